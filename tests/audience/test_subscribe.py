"""The subscribe form, double opt-in and the unsubscribe page (no worker: the confirmation
task's service is called as the worker would)."""

import re
import time

import pytest

from audience import services
from audience.models import Subscriber
from blog.models import BlogSettings
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.html import parse

pytestmark = pytest.mark.django_db


def _subscribers(tenant):
    with tenant_context(tenant):
        return {s.email: s.status for s in Subscriber.objects.all()}


def _main(response) -> str:
    """The page's <main>, with the address typed removed (it is echoed back as typed)."""
    doc = parse(response.content)
    main = doc.find(".//main")
    return re.sub(r"\s+", " ", "".join(main.itertext())).strip()


def test_the_form_is_on_the_home_page_and_under_posts_and_can_be_turned_off(tenant, tenant_client):
    from blog import services as blog_services

    with tenant_context(tenant):
        blog_services.post_create(
            tenant=tenant, author=tenant.owner, title="Hi", body="x", action="publish"
        )
    for path in ("/", "/hi/"):
        forms = parse(tenant_client.get(path).content).findall(".//form[@action='/subscribe/']")
        assert len(forms) == 1, path
    with tenant_context(tenant):
        services.blog_audience_settings_set(subscribe_form=False)
        assert BlogSettings.objects.get(id=1).subscribe_form is False
    for path in ("/", "/hi/"):
        assert b'action="/subscribe/"' not in tenant_client.get(path).content
    response = tenant_client.post("/subscribe/", {"email": "a@example.org"})
    assert response.status_code == 404
    assert _subscribers(tenant) == {}


def test_the_answer_is_the_same_for_new_waiting_confirmed_and_bounced_addresses(
    tenant, tenant_client
):
    with tenant_context(tenant):
        Subscriber.objects.create(email="waiting@example.org")
        Subscriber.objects.create(email="in@example.org", status="confirmed")
        Subscriber.objects.create(email="gone@example.org", status="bounced")
    pages = {}
    for who in ("new", "waiting", "in", "gone"):
        response = tenant_client.post("/subscribe/", {"email": f"{who}@example.org"})
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        pages[who] = _main(response).replace(f"{who}@example.org", "ADDRESS")
    assert len(set(pages.values())) == 1, pages
    assert "Check your inbox" in pages["new"]
    # and nothing about anyone changed but the new address, which waits for confirmation
    assert _subscribers(tenant) == {
        "new@example.org": "pending",
        "waiting@example.org": "pending",
        "in@example.org": "confirmed",
        "gone@example.org": "bounced",
    }


def test_a_bad_address_is_refused_with_a_message_and_kept_in_the_box(tenant_client):
    response = tenant_client.post("/subscribe/", {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter an email address" in _main(response)
    assert b'value="not an address"' in response.content


def test_the_form_is_rate_limited_per_address(tenant, tenant_client, settings):
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"subscribe": "100/h/ip,2/h/key"}
    for _ in range(2):
        assert tenant_client.post("/subscribe/", {"email": "x@example.org"}).status_code == 200
    response = tenant_client.post("/subscribe/", {"email": "X@example.org"})
    assert response.status_code == 429
    assert tenant_client.post("/subscribe/", {"email": "y@example.org"}).status_code == 200


def test_confirmation_mail_link_confirms_on_post_only(tenant, tenant_client, inbox):
    tenant_client.post("/subscribe/", {"email": "Reader@Example.org"})
    with tenant_context(tenant):
        subscriber = Subscriber.objects.get()
        assert subscriber.email == "reader@example.org"
        assert services.subscriber_confirmation_send(tenant=tenant, subscriber_id=subscriber.id)
    message = inbox.wait_for("reader@example.org", "Confirm your subscription")
    assert message.get_body(preferencelist=("html",)) is not None
    link = inbox.link(message, r"https?://alpha\.localhost(:\d+)?/subscribe/confirm/")
    path = "/subscribe/" + link.split("/subscribe/", 1)[1]
    page = tenant_client.get(path)  # a mail scanner opening the link
    assert page.status_code == 200 and "Confirm my subscription" in _main(page)
    assert _subscribers(tenant) == {"reader@example.org": "pending"}
    done = tenant_client.post(path)
    assert done.status_code == 200 and "You're subscribed" in _main(done)
    assert _subscribers(tenant) == {"reader@example.org": "confirmed"}


def test_a_confirmation_token_of_one_blog_does_nothing_on_another(tenant, other_tenant):
    with tenant_context(tenant):
        subscriber = Subscriber.objects.create(email="r@example.org")
    with tenant_context(other_tenant):
        Subscriber.objects.create(id=subscriber.id, email="r@example.org")
    from audience import tokens

    token = tokens.confirm_token_make(
        schema_name=tenant.schema_name, subscriber_id=subscriber.id, email="r@example.org"
    )
    response = host_client(other_tenant).post(f"/subscribe/confirm/{token}/")
    assert response.status_code == 400
    assert _subscribers(other_tenant) == {"r@example.org": "pending"}
    assert host_client(tenant).post(f"/subscribe/confirm/{token}/").status_code == 200
    assert _subscribers(tenant) == {"r@example.org": "confirmed"}


def test_an_old_confirmation_link_has_expired(tenant, tenant_client, settings):
    with tenant_context(tenant):
        subscriber = Subscriber.objects.create(email="r@example.org")
    from audience import tokens

    token = tokens.confirm_token_make(
        schema_name=tenant.schema_name, subscriber_id=subscriber.id, email="r@example.org"
    )
    settings.SUBSCRIBER_CONFIRM_DAYS = 0  # a token a second old is past 0 days
    time.sleep(1.1)
    response = tenant_client.post(f"/subscribe/confirm/{token}/")
    assert response.status_code == 400 and "expired" in _main(response)
    assert _subscribers(tenant) == {"r@example.org": "pending"}


def test_unconfirmed_addresses_expire(tenant):
    from datetime import timedelta

    from django.utils import timezone

    with tenant_context(tenant):
        Subscriber.objects.create(
            email="old@example.org", created_at=timezone.now() - timedelta(days=8)
        )
        Subscriber.objects.create(email="new@example.org")
        Subscriber.objects.create(
            email="kept@example.org",
            status="confirmed",
            created_at=timezone.now() - timedelta(days=30),
        )
        assert services.subscribers_expire() == 1
    assert _subscribers(tenant) == {"new@example.org": "pending", "kept@example.org": "confirmed"}


def test_unsubscribe_get_asks_and_post_unsubscribes_on_the_right_blog_only(
    tenant, other_tenant, tenant_client
):
    from audience import tokens

    with tenant_context(tenant):
        mine = Subscriber.objects.create(email="r@example.org", status="confirmed")
    with tenant_context(other_tenant):
        Subscriber.objects.create(id=mine.id, email="r@example.org", status="confirmed")
    token = tokens.unsubscribe_token_make(schema_name=tenant.schema_name, subscriber_id=mine.id)
    assert tenant_client.get(f"/unsubscribe/{token}/").status_code == 200
    assert _subscribers(tenant)["r@example.org"] == "confirmed"  # a GET changes nothing
    other = host_client(other_tenant).post(f"/unsubscribe/{token}/")
    assert other.status_code == 400
    assert _subscribers(other_tenant)["r@example.org"] == "confirmed"
    response = tenant_client.post(
        f"/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _subscribers(tenant)["r@example.org"] == "unsubscribed"
