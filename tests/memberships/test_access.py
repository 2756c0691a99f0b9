"""Paid access comes from verified Connect webhooks only, follows Stripe's state (trial,
cancel at the period's end, failed renewals with a grace period, the end), and never
crosses from one blog to another."""

import time
from datetime import timedelta

import html5lib
from django.core import signing
from django.utils import timezone

from audience import members
from audience.models import Subscriber
from memberships.models import ReaderMembership
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.memberships.conftest import (
    PUBLIC,
    SECRET,
    connect_account,
    event,
    gated,
    member_client,
    membership_of,
    meta_for,
    paid_post,
    payer,
    post_event,
    subscription,
    tier_with_price,
)


def test_a_paying_member_reads_the_whole_post_and_others_the_public_part(selling):
    post = paid_post(selling)
    client = payer(selling)
    assert gated(client, post) == {
        "access": True,
        "signed_in": True,
        "html": gated(client, post)["html"],
    }
    assert SECRET in gated(client, post)["html"]
    free = member_client(selling, email="free@example.org")
    assert gated(free, post) == {"access": False, "signed_in": True}
    assert gated(host_client(selling), post) == {"access": False, "signed_in": False}
    page = host_client(selling).get(f"/{post.slug}/")
    text = page.content.decode()
    assert PUBLIC in text and SECRET not in text
    doc = html5lib.parse(text, namespaceHTMLElements=False)
    box = doc.find(".//section[@id='paywall']")
    assert box is not None and box.get("data-quire-gated") == str(post.id)
    assert (
        box.find(".//a[@class='button paywall-join']").get("href")
        == f"/members/join/?next=/{post.slug}/"
    )


def test_the_success_redirect_gives_no_access(selling):
    post = paid_post(selling)
    client = member_client(selling)
    page = client.get("/members/account/?checkout=cs_test_123")
    assert page.status_code == 200
    assert b"Stripe is confirming your payment" in page.content
    assert gated(client, post)["access"] is False


def test_cancel_at_period_end_keeps_access_until_the_end_then_the_end_removes_it(selling):
    post = paid_post(selling)
    client = payer(selling)
    meta = meta_for(selling, client)
    soon = int(time.time()) + 3600
    cancel = subscription("sub_alpha", price="price_alpha", meta=meta, cancel=True, period_end=soon)
    assert post_event(event("customer.subscription.updated", cancel, account="acct_alpha",
                            created=int(time.time()) + 1)).status_code == 200  # fmt: skip
    assert gated(client, post)["access"] is True
    assert b"your access ends on" in client.get("/members/account/").content
    ended = subscription("sub_alpha", price="price_alpha", meta=meta, status="canceled")
    post_event(event("customer.subscription.deleted", ended, account="acct_alpha",
                     created=int(time.time()) + 2))  # fmt: skip
    assert gated(client, post)["access"] is False
    assert membership_of(selling, client.member.id).status == "canceled"


def test_a_failed_renewal_keeps_access_for_the_grace_period_then_ends_it(selling):
    post = paid_post(selling)
    client = payer(selling)
    due = subscription("sub_alpha", price="price_alpha", status="past_due",
                       meta=meta_for(selling, client))  # fmt: skip
    post_event(event("customer.subscription.updated", due, account="acct_alpha",
                     created=int(time.time()) + 1))  # fmt: skip
    assert gated(client, post)["access"] is True
    with tenant_context(selling):
        ReaderMembership.objects.filter(subscriber_id=client.member.id).update(
            past_due_since=timezone.now() - timedelta(days=8)  # the default grace is 7 days
        )
    assert gated(client, post)["access"] is False


def test_members_only_posts_need_a_sign_in_and_tier_posts_the_tier(selling):
    members_post = paid_post(selling, title="For members", visibility="members")
    other = tier_with_price(selling, "acct_alpha", name="Patron", price="price_patron")
    tier_post = paid_post(selling, title="For patrons", visibility="tiers", access_tiers=[other.id])
    client = payer(selling)  # pays for Supporter, not Patron
    assert gated(client, members_post)["access"] is True
    assert gated(member_client(selling, email="f@example.org"), members_post)["access"] is True
    assert gated(host_client(selling), members_post)["access"] is False
    assert gated(client, tier_post)["access"] is False


def test_a_member_of_one_blog_has_no_access_to_another_blogs_paid_posts(selling, other_tenant):
    connect_account(other_tenant, "acct_bravo")
    tier_with_price(other_tenant, "acct_bravo", price="price_bravo")
    theirs = paid_post(other_tenant, title="Bravo's paid post")
    client = payer(selling)
    # The same cookie sent to the other blog's host: bound to alpha's schema, it names nobody.
    intruder = host_client(other_tenant)
    intruder.cookies = client.cookies
    assert gated(intruder, theirs) == {"access": False, "signed_in": False}


def test_another_blogs_account_cannot_change_this_blogs_members(selling, other_tenant):
    connect_account(other_tenant, "acct_bravo")
    client = payer(selling)
    # Bravo's account sends an event whose metadata names alpha's schema and member.
    forged = subscription("sub_forged", price="price_alpha", status="canceled",
                          meta=meta_for(selling, client))  # fmt: skip
    answer = post_event(event("customer.subscription.deleted", forged, account="acct_bravo"))
    assert answer.status_code == 200
    assert membership_of(selling, client.member.id).status == "active"
    with tenant_context(other_tenant):
        assert ReaderMembership.objects.count() == 0


def test_a_comped_member_reads_paid_posts_until_the_gift_ends(selling, owner_client):
    post = paid_post(selling)
    answer = owner_client.post("/dashboard/memberships/comp/",
                               {"email": "gift@example.org", "tier": selling.tier.id})  # fmt: skip
    assert answer.status_code == 302
    with tenant_context(selling):
        gift = Subscriber.objects.get(email="gift@example.org")
    client = host_client(selling)
    client.cookies[members.COOKIE] = signing.dumps(
        gift.id, salt=f"audience.member.cookie:{selling.schema_name}"
    )
    client.member = gift
    assert membership_of(selling, gift.id).status == "comped"
    assert gated(client, post)["access"] is True
    m = membership_of(selling, client.member.id)
    owner_client.post(f"/dashboard/memberships/comp/{m.id}/end/")
    assert gated(client, post)["access"] is False


def test_the_private_feed_has_the_whole_post_and_stops_when_revoked(selling):
    post = paid_post(selling)
    client = payer(selling)
    assert client.post("/members/feed/", {"action": "reset"}).status_code == 303
    token = membership_of(selling, client.member.id).feed_token
    feed = host_client(selling).get(f"/members/feed/{token}/")
    assert feed.status_code == 200 and SECRET in feed.content.decode()
    assert "no-store" in feed["Cache-Control"]
    public = host_client(selling).get("/rss/").content.decode()
    assert post.title in public and SECRET not in public
    assert host_client(selling).get(f"/members/feed/{token}/x/").status_code == 404
    client.post("/members/feed/", {"action": "revoke"})
    assert host_client(selling).get(f"/members/feed/{token}/").status_code == 404


def test_a_feed_token_means_nothing_on_another_blog(selling, other_tenant):
    client = payer(selling)
    client.post("/members/feed/", {"action": "reset"})
    token = membership_of(selling, client.member.id).feed_token
    assert host_client(other_tenant).get(f"/members/feed/{token}/").status_code == 404


def test_a_form_from_another_site_is_refused(selling):
    client = member_client(selling)
    answer = client.post("/members/feed/", {"action": "reset"}, HTTP_ORIGIN="https://evil.example")
    assert answer.status_code == 403
    assert membership_of(selling, client.member.id) is None
