"""Outgoing webhooks, attempted in the test's process against a real HTTP receiver: events
from the services, signatures, retries and failure, SSRF rules, redirects, capped answers.
The worker's side (queue, countdown retries) is tests/tasks/test_webhook_worker.py."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from blog.services.posts import post_create, post_delete, post_update
from shared.accounts import services as account_services
from shared.billing.exceptions import LimitReached
from tests.factories import UserFactory
from tests.webhooks.conftest import hook
from tests.webhooks.receiver import signature_valid
from webhooks import attempts, services
from webhooks import delivery as wire
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog(pro_blog):
    return pro_blog("alpha")


def _events(endpoint) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("id")
        .values_list("event", flat=True)
    )


def _attempt_all(endpoint) -> list[WebhookDelivery]:
    ids = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [attempts.delivery_attempt(delivery_id=i) for i in ids]


def test_post_services_emit_events_signed_with_the_endpoint_secret(blog, receiver):
    endpoint = hook(blog, receiver, "/ok")
    with tenant_context(blog):
        draft = post_create(tenant=blog, author=blog.owner, title="Draft", body="x")
        post = post_create(
            tenant=blog, author=blog.owner, title="Hello", body="x", action="publish"
        )
        post = post_update(tenant=blog, post=post, title="Hello again", body="y")
        post = post_update(
            tenant=blog, post=post, title="Hello again", body="y", action="unpublish"
        )
        post_update(tenant=blog, post=draft, title="Draft 2", body="z")  # a draft stays quiet
        post_delete(tenant=blog, post=post)
    assert _events(endpoint) == [
        "post.published",
        "post.updated",
        "post.unpublished",
        "post.deleted",
    ]

    done = _attempt_all(endpoint)
    assert [d.status for d in done] == ["succeeded"] * 4
    assert all(d.response_code == 200 and d.response_body == "thanks" for d in done)
    got = receiver.verified("/ok")  # each signature checked as docs/webhooks.md says
    first = got[0]
    assert first.headers["Quire-Event"] == "post.published"
    assert first.headers["Quire-Delivery"] == str(done[0].uuid) == first.json["id"]
    assert first.headers["Content-Type"] == "application/json"
    assert first.json["blog"] == {
        "id": blog.id,
        "subdomain": "alpha",
        "url": "http://alpha.localhost/",
    }
    assert first.json["data"]["post"]["title"] == "Hello"
    assert first.json["data"]["post"]["url"] == "http://alpha.localhost/hello/"
    assert got[3].json["data"]["post"]["id"] == first.json["data"]["post"]["id"]  # deleted
    # A signature made with another secret, or over another body, does not verify.
    sig = first.headers["Quire-Signature"]
    assert not signature_valid(secret="whsec_wrong", header=sig, body=first.body)
    assert not signature_valid(secret=receiver.secrets["/ok"], header=sig, body=first.body + b" ")


def test_scheduled_posts_going_live_and_member_changes_are_events_too(blog, receiver):
    endpoint = hook(blog, receiver, "/ok")
    with tenant_context(blog):
        post = post_create(
            tenant=blog, author=blog.owner, title="Later", body="x", action="schedule",
            publish_at=timezone.now() + timedelta(minutes=5),
        )  # fmt: skip
        from blog.services.posts import post_publish_due

        assert post_publish_due(tenant_id=blog.id, now=timezone.now() + timedelta(minutes=6)) == 1
    person = UserFactory()
    membership = account_services.membership_create(user=person, tenant_id=blog.id, role="author")
    account_services.membership_remove(membership_id=membership.id, tenant_id=blog.id)
    assert _events(endpoint) == ["post.published", "member.added", "member.removed"]
    payloads = [d.payload for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")]
    assert payloads[0]["data"]["post"]["id"] == post.id
    assert payloads[1]["data"]["member"] == {
        "user_id": person.id,
        "email": person.email,
        "role": "author",
    }


def test_only_the_chosen_events_and_only_this_blogs(blog, pro_blog, receiver):
    other = pro_blog("bravo")
    mine = hook(blog, receiver, "/ok", events=["post.deleted"])
    theirs = hook(other, receiver, "/other")
    with tenant_context(blog):
        post = post_create(tenant=blog, author=blog.owner, title="Hi", body="x", action="publish")
        post_delete(tenant=blog, post=post)
    assert _events(mine) == ["post.deleted"]
    assert _events(theirs) == []


def test_a_failing_receiver_is_retried_then_the_delivery_fails(blog, receiver, settings):
    settings.QUIRE_WEBHOOK_RETRY_SECONDS = [0.2, 0.2]
    endpoint = hook(blog, receiver, "/down")
    delivery = services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    first = attempts.delivery_attempt(delivery_id=delivery.id)
    assert (first.status, first.attempts, first.response_code) == ("pending", 1, 503)
    assert attempts.delivery_attempt(delivery_id=delivery.id) is None  # not due yet: not sent
    for attempt in (2, 3):
        time.sleep(0.25)
        done = attempts.delivery_attempt(delivery_id=delivery.id)
        assert done.attempts == attempt
    assert (done.status, done.next_attempt_at, done.error) == ("failed", None, "Answered 503.")
    assert len(receiver.verified("/down")) == 3
    time.sleep(0.25)
    assert attempts.delivery_attempt(delivery_id=delivery.id) is None  # failed stays failed


def test_the_production_schedule_retries_for_about_a_day():
    from config import settings as production

    schedule = production.QUIRE_WEBHOOK_RETRY_SECONDS
    assert len(schedule) >= 5 and schedule == sorted(schedule)
    assert 12 * 3600 <= sum(schedule) <= 24 * 3600


def test_an_endpoint_failing_for_days_is_disabled_with_the_reason(
    blog, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.QUIRE_WEBHOOK_RETRY_SECONDS = []
    endpoint = hook(blog, receiver, "/down", events=["post.published"])
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        failing_since=timezone.now() - timedelta(days=4)
    )
    with tenant_context(blog):
        post_create(tenant=blog, author=blog.owner, title="Hi", body="x", action="publish")
    with django_capture_on_commit_callbacks(execute=True):
        _attempt_all(endpoint)
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None and "failed" in endpoint.disabled_reason
    # The owner hears of it once, with the reason and the page to turn it back on.
    (mail,) = [m for m in mailoutbox if "webhook" in m.subject]
    assert mail.to == [blog.owner.email] and endpoint.url in mail.body
    assert endpoint.disabled_reason in mail.body and "/dashboard/api/webhooks/" in mail.body
    with tenant_context(blog):
        post_create(tenant=blog, author=blog.owner, title="Again", body="x", action="publish")
    assert _events(endpoint) == ["post.published"]  # nothing queued while disabled
    services.endpoint_enable(tenant_id=blog.id, endpoint_id=endpoint.id)
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None and endpoint.failing_since is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/ok", "http://10.1.2.3/", "http://169.254.169.254/latest/",
     "http://[::1]:{port}/ok", "http://localhost:{port}/ok", "http://224.0.0.1/",
     "http://100.64.0.1/", "http://[::ffff:127.0.0.1]:{port}/ok", "ftp://example.com/",
     "http://user:pw@example.com/"],
)  # fmt: skip
def test_private_and_local_targets_are_refused_without_the_test_allowance(
    blog, receiver, settings, url
):
    settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
    url = url.format(port=receiver.httpd.server_address[1])
    with pytest.raises(services.WebhookInvalid):
        services.endpoint_create(
            tenant_id=blog.id, user=blog.owner, url=url, events=["post.published"]
        )
    outcome = wire.webhook_send(url=url, body=b"{}", headers={}, timeout=2)
    assert outcome.status is None and not outcome.ok and outcome.error
    assert receiver.requests == []


def test_addresses_are_checked_again_at_delivery_time(blog, receiver, settings):
    """Registered while allowed (tests), refused once loopback is not: the check runs at
    every delivery, on every address the host resolves to, before connecting."""
    endpoint = hook(blog, receiver, "/ok")
    settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
    delivery = services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    done = attempts.delivery_attempt(delivery_id=delivery.id)
    assert done.response_code is None and "private or local" in done.error
    assert receiver.requests == []
    with pytest.raises(wire.DeliveryRefused, match="resolves to a private or local"):
        wire._resolve("localhost", 80)  # a name, resolved: 127.0.0.1 / ::1


def test_redirects_are_not_followed(blog, receiver):
    endpoint = hook(blog, receiver, "/redirect")
    delivery = services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    done = attempts.delivery_attempt(delivery_id=delivery.id)
    assert done.response_code == 302 and "not followed" in done.error and done.status == "pending"
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_a_huge_answer_is_read_up_to_the_cap_and_its_first_kb_kept(blog, receiver):
    endpoint = hook(blog, receiver, "/huge")
    delivery = services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    done = attempts.delivery_attempt(delivery_id=delivery.id)
    assert done.status == "succeeded" and done.response_body == "x" * wire.RESPONSE_KEPT
    deadline = time.monotonic() + 10
    while not receiver.huge_sent and time.monotonic() < deadline:
        time.sleep(0.05)
    from tests.webhooks.receiver import HUGE

    assert receiver.huge_sent and receiver.huge_sent[0] < HUGE  # we hung up: not read to the end


def test_the_plan_gates_webhooks(tenant, receiver):
    with pytest.raises(LimitReached):
        services.endpoint_create(
            tenant_id=tenant.id,
            user=tenant.owner,
            url=receiver.base + "/ok",
            events=["post.published"],
        )


def test_a_downgrade_stops_deliveries(blog, receiver):
    from tests.conftest import plan_set

    endpoint = hook(blog, receiver, "/ok")
    plan_set(blog, "free")
    with tenant_context(blog):
        post_create(tenant=blog, author=blog.owner, title="Hi", body="x", action="publish")
    assert _events(endpoint) == []


def test_payloads_are_compact_json_of_what_was_stored(blog, receiver):
    endpoint = hook(blog, receiver, "/ok")
    delivery = services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    attempts.delivery_attempt(delivery_id=delivery.id)
    (got,) = receiver.verified("/ok")
    assert got.json == json.loads(json.dumps(WebhookDelivery.objects.get(id=delivery.id).payload))
    assert got.json["event"] == "ping"


@pytest.mark.parametrize(
    "url", ["http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/",
            "http://0x7f.1/", "http://[0:0:0:0:0:ffff:7f00:1]/"],
)  # fmt: skip
def test_numbers_that_mean_loopback_are_refused_at_save_as_at_send(blog, settings, url):
    settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(services.WebhookInvalid, match="private or local address"):
        services.endpoint_create(
            tenant_id=blog.id, user=blog.owner, url=url, events=["post.published"]
        )
    outcome = wire.webhook_send(url=url, body=b"{}", headers={}, timeout=2)
    assert outcome.status is None and "private or local" in outcome.error


@pytest.mark.parametrize("url", ["http://127.0.0.1.nip.io/", "http://localtest.me/hook"])
def test_names_that_resolve_to_loopback_are_refused_at_save_as_at_send(blog, settings, url):
    from tests.prod.dns_server import DnsServer

    server = DnsServer("--host-record=127.0.0.1.nip.io,127.0.0.1",
                       "--host-record=localtest.me,127.0.0.1,::1")  # fmt: skip
    try:
        settings.QUIRE_DNS_NAMESERVERS, settings.QUIRE_DNS_PORT = ["127.0.0.1"], server.port
        settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
        with pytest.raises(services.WebhookInvalid, match="resolves to a private or local"):
            services.endpoint_create(
                tenant_id=blog.id, user=blog.owner, url=url, events=["post.published"]
            )
        outcome = wire.webhook_send(url=url, body=b"{}", headers={}, timeout=2)
        assert outcome.status is None and "resolves to a private or local" in outcome.error
        # A name DNS does not know is refused at save with its own reason.
        with pytest.raises(services.WebhookInvalid, match="could not be resolved"):
            services.endpoint_create(
                tenant_id=blog.id, user=blog.owner, url="http://nowhere.test/",
                events=["post.published"],
            )  # fmt: skip
    finally:
        server.stop()
    assert not WebhookEndpoint.objects.filter(tenant_id=blog.id).exists()
