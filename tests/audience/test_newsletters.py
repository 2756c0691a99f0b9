"""Sending a post to subscribers, in this process against a real SMTP server (the Celery task
only calls `sending.newsletter_send_run`; tests/tasks/test_newsletter_worker.py runs it in a
real worker and kills it)."""

import base64
import json
import re

import pytest
from django.db import connection

from audience import newsletters, sending
from audience.models import Delivery, Newsletter, Subscriber
from blog import services as blog_services
from blog.models import BlogSettings
from tenants.context import tenant_context
from tests.audience.conftest import subscribers_add
from tests.conftest import host_client
from tests.html import parse

pytestmark = pytest.mark.django_db(transaction=True)


def publish_and_send(tenant, *, title="Fresh post", body="Hello **readers**."):
    """Publish a post ticked "Email this post" and run the send as the task would."""
    with tenant_context(tenant):
        post = blog_services.post_create(
            tenant=tenant, author=tenant.owner, title=title, body=body, action="publish"
        )
        newsletter = newsletters.newsletter_for_post(
            tenant=tenant, post=post, by_id=tenant.owner.id, wanted=True
        )
        result = sending.newsletter_send_run(tenant=tenant, newsletter_id=newsletter.id)
    connection.set_schema_to_public()
    return newsletter, result


def deliveries(tenant, newsletter):
    with tenant_context(tenant):
        return dict(
            Delivery.objects.filter(newsletter_id=newsletter.id).values_list("email", "status")
        )


def test_the_newsletter_has_both_parts_the_whole_post_and_rfc8058_headers(make_blog, inbox):
    tenant = make_blog("alpha")
    with tenant_context(tenant):
        BlogSettings.objects.update_or_create(
            id=1, defaults={"accent": "#aa3300", "title": "Alpha Notes"}
        )
    subscribers_add(tenant, ["reader@example.org"])
    subscribers_add(tenant, ["waiting@example.org"], status="pending")
    body = (
        "First paragraph.\n\n![A cat](/media/abc/cat.png)\n\n"
        "See [the other post](/other/).\n\nLast words."
    )
    newsletter, result = publish_and_send(tenant, body=body)
    assert result.sent == 1 and result.outcome == "done"
    assert inbox.copies == {"reader@example.org": 1}  # nobody waiting for confirmation
    message = inbox.messages[0]
    assert message["Subject"] == "Fresh post"
    assert message["From"].addresses[0].display_name == "Alpha Notes"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    doc = parse(html)
    img = doc.find(".//img[@alt='A cat']")
    assert img.get("src") == "http://alpha.localhost/media/abc/cat.png"
    assert doc.find(".//a[.='the other post']").get("href") == "http://alpha.localhost/other/"
    assert "Last words." in html and "Last words." in text and "First paragraph." in text
    assert "#aa3300" in html and "Alpha Notes" in html
    assert "http://alpha.localhost/media/abc/cat.png" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(http://alpha\.localhost/unsubscribe/[^>]+/)>", message["List-Unsubscribe"].strip()
    )
    assert url, message["List-Unsubscribe"]
    assert url.group(1) in text and url.group(1) in html
    assert deliveries(tenant, newsletter) == {"reader@example.org": "sent"}
    with tenant_context(tenant):
        assert Newsletter.objects.get(id=newsletter.id).status == "done"

    # One-click unsubscribe, as a mail client does it: a POST with no cookie and no CSRF token.
    client = host_client(tenant)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        url.group(1).removeprefix("http://alpha.localhost"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    with tenant_context(tenant):
        assert Subscriber.objects.get(email="reader@example.org").status == "unsubscribed"
    connection.set_schema_to_public()
    inbox.clear()
    publish_and_send(tenant, title="Second post")
    assert inbox.copies == {}


def test_a_subscriber_of_one_blog_never_gets_another_blogs_posts(make_blog, inbox):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    subscribers_add(alpha, ["a@example.org", "both@example.org"])
    subscribers_add(bravo, ["b@example.org", "both@example.org"])
    publish_and_send(bravo, title="Bravo's news")
    assert inbox.copies == {"b@example.org": 1, "both@example.org": 1}
    assert all(m["X-Quire-Blog"] == bravo.schema_name for m in inbox.messages)
    assert all("bravo.localhost" in m["List-Unsubscribe"] for m in inbox.messages)


def test_temporary_failures_are_retried_and_permanent_ones_recorded(make_blog, inbox, settings):
    tenant = make_blog("alpha")
    subscribers_add(tenant, ["ok@example.org", "later@example.org", "never@example.org"])
    inbox.refuse = {
        "later@example.org": "451 4.3.0 try again later",
        "never@example.org": "550 5.1.1 no such user",
    }
    settings.NEWSLETTER_RETRY_SECONDS = 0
    newsletter, result = publish_and_send(tenant)
    assert result.outcome == "retry"
    assert deliveries(tenant, newsletter) == {
        "ok@example.org": "sent",
        "later@example.org": "pending",
        "never@example.org": "failed",
    }
    inbox.refuse = {}
    with tenant_context(tenant):
        again = sending.newsletter_send_run(tenant=tenant, newsletter_id=newsletter.id)
    assert again.outcome == "done"
    assert inbox.copies == {"ok@example.org": 1, "later@example.org": 1}
    assert deliveries(tenant, newsletter)["later@example.org"] == "sent"
    # Each (send, address) has one Message-ID whatever the attempt: the retried copy's is
    # made from its delivery row alone.
    with tenant_context(tenant):
        later = Delivery.objects.get(newsletter_id=newsletter.id, email="later@example.org")
    expected = sending.delivery_message_id(
        newsletter_id=newsletter.id, delivery_id=later.id, schema_name=tenant.schema_name,
        domain=settings.PLATFORM_DOMAIN,
    )  # fmt: skip
    assert [m["Message-ID"] for m in inbox.messages if m["To"] == "later@example.org"] == [expected]
    # running a finished send again mails nobody
    with tenant_context(tenant):
        assert sending.newsletter_send_run(tenant=tenant, newsletter_id=newsletter.id).sent == 0
    assert sum(inbox.copies.values()) == 2


def test_a_message_accepted_without_its_answer_is_sent_again_with_its_message_id(
    make_blog, inbox, settings
):
    """The server took the message, but its 250 never reached the sender (as when a worker
    dies right after the final "."): the row is in doubt, and the next run sends the same
    message, Message-ID and all, so the receiving side files it once."""
    tenant = make_blog("alpha")
    subscribers_add(tenant, ["first@example.org", "doubt@example.org", "last@example.org"])
    settings.EMAIL_TIMEOUT = 1
    inbox.stall = {"doubt@example.org": 3}
    newsletter, result = publish_and_send(tenant)
    assert result.outcome == "retry"
    states = deliveries(tenant, newsletter)
    assert states["first@example.org"] == "sent"
    assert states["doubt@example.org"] == "pending"  # back from `ending`, not lost as sent
    with tenant_context(tenant):
        Delivery.objects.filter(newsletter_id=newsletter.id).update(next_attempt_at=None)
        assert sending.newsletter_send_run(tenant=tenant, newsletter_id=newsletter.id).sent == 2
        doubt = Delivery.objects.get(newsletter_id=newsletter.id, email="doubt@example.org")
    connection.set_schema_to_public()
    assert set(deliveries(tenant, newsletter).values()) == {"sent"}
    assert inbox.copies == {"first@example.org": 1, "doubt@example.org": 2, "last@example.org": 1}
    expected = sending.delivery_message_id(
        newsletter_id=newsletter.id, delivery_id=doubt.id, schema_name=tenant.schema_name,
        domain=settings.PLATFORM_DOMAIN,
    )  # fmt: skip
    assert inbox.message_ids["doubt@example.org"] == [expected, expected]


def _event(settings, root_client, events, *, secret=None):
    secret = secret or settings.EMAIL_WEBHOOK_SECRET
    auth = "Basic " + base64.b64encode(secret.encode()).decode()
    return root_client.post(
        "/webhooks/email/",
        json.dumps(events),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )


def test_bounces_and_complaints_suppress_the_address_in_its_blog(
    make_blog, inbox, settings, root_client
):
    settings.EMAIL_WEBHOOK_SECRET = "anymail:s3cret"
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    subscribers_add(alpha, ["hard@example.org", "angry@example.org", "fine@example.org"])
    subscribers_add(bravo, ["hard@example.org"])
    first, _ = publish_and_send(alpha)
    message_id = next(m["Message-ID"] for m in inbox.messages if m["To"] == "hard@example.org")
    assert _event(settings, root_client, [], secret="anymail:wrong").status_code == 401
    assert (
        root_client.post("/webhooks/email/", "[]", content_type="application/json").status_code
        == 401
    )
    assert _event(settings, root_client, {"nope": 1}).status_code == 200  # not ours: ignored
    bad = root_client.post(
        "/webhooks/email/", "{", content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"anymail:s3cret").decode(),
    )  # fmt: skip
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]
    response = _event(
        settings,
        root_client,
        {"events": [
            # the blog found from our Message-ID, as a provider echoes it
            {"event_type": "bounced", "recipient": "hard@example.org", "message_id": message_id,
             "esp_event": {"bounce": "5.1.1"}},
            {"event_type": "complained", "recipient": "angry@example.org",
             "metadata": {"blog": alpha.schema_name}},
            {"event_type": "deferred", "recipient": "fine@example.org",
             "metadata": {"blog": alpha.schema_name}},
        ]},
    )  # fmt: skip
    assert response.json() == {"suppressed": 2, "ignored": 1}
    with tenant_context(alpha):
        states = dict(Subscriber.objects.values_list("email", "status"))
    assert states == {
        "hard@example.org": "bounced",
        "angry@example.org": "complained",
        "fine@example.org": "confirmed",
    }
    with tenant_context(bravo):
        assert Subscriber.objects.get().status == "confirmed"  # another blog's list is its own
    connection.set_schema_to_public()
    # never mailed again: not by the next newsletter, not by subscribing again
    inbox.clear()
    publish_and_send(alpha, title="Next")
    assert inbox.copies == {"fine@example.org": 1}
    host_client(alpha).post("/subscribe/", {"email": "hard@example.org"})
    with tenant_context(alpha):
        assert Subscriber.objects.get(email="hard@example.org").status == "bounced"


def test_the_webhook_is_off_without_a_secret(root_client, settings):
    settings.EMAIL_WEBHOOK_SECRET = ""
    assert (
        root_client.post("/webhooks/email/", "[]", content_type="application/json").status_code
        == 404
    )


def test_a_send_shows_its_progress_on_the_dashboard(make_blog, inbox, password):
    tenant = make_blog("alpha")
    subscribers_add(tenant, ["a@example.org", "b@example.org", "c@example.org"])
    inbox.refuse = {"c@example.org": "550 no"}
    newsletter, _ = publish_and_send(tenant)
    with tenant_context(tenant):
        Subscriber.objects.filter(email="b@example.org").update(status="unsubscribed")
        # as if b unsubscribed while the send was still on its way to them
        Delivery.objects.filter(email="b@example.org").update(status="pending")
        Newsletter.objects.filter(id=newsletter.id).update(status="sending")
        sending.newsletter_send_run(tenant=tenant, newsletter_id=newsletter.id)  # b: suppressed
    client = host_client(tenant)
    client.post("/accounts/login/", {"login": tenant.owner.email, "password": password})
    doc = parse(client.get("/dashboard/newsletters/").content)
    row = doc.find(f".//tr[@data-newsletter='{newsletter.id}']")
    cells = {td.get("class"): (td.text or "").strip() for td in row.findall("td")}
    assert (
        cells["send-sent"] == "1"
        and cells["send-failed"] == "1"
        and cells["send-suppressed"] == "1"
    )
    assert row.find(".//progress").get("value") == "3"


@pytest.mark.parametrize(
    "body, field",
    [
        ([{"event_type": ["bounced"], "recipient": "a@example.org"}], "events[0].event_type"),
        ({"events": [{"event_type": "bounced", "recipient": 5}]}, "events[0].recipient"),
        ({"events": [{"event_type": "bounced", "metadata": "blog"}]}, "events[0].metadata"),
        ({"events": [{"tags": "blog:t_x"}]}, "events[0].tags"),
        ({"events": {"event_type": "bounced"}}, "events must be a list"),
        ([1, 2], "events[0]"),
        ("bounced", "events must be a list"),
    ],
)
def test_an_email_event_of_the_wrong_shape_gets_a_400_naming_the_field(
    settings, root_client, body, field
):
    settings.EMAIL_WEBHOOK_SECRET = "anymail:s3cret"
    response = _event(settings, root_client, body)
    assert response.status_code == 400
    assert field in response.json()["error"]
