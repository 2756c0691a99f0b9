"""The whole way through the local Stripe (localstripe and our edge for what it lacks): the
owner connects by Connect OAuth, makes a tier (its product and prices are made on the
blog's account), a member pays on Checkout, access starts from the verified webhook, the
Billing Portal's cancel keeps access to the period's end, the end ends it; the daily
reconcile repairs what a lost webhook left behind."""

from urllib.parse import parse_qs, urlsplit

from django.db import connection

from memberships import services
from memberships.models import ReaderMembership, Tier, TierPrice
from memberships.reconcile import memberships_reconcile
from shared.billing.models import ReconcileRun
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.memberships.conftest import deliver, gated, member_client, membership_of, paid_post


def _connect(owner_client, tenant, edge) -> str:
    started = owner_client.post("/dashboard/memberships/connect/")
    assert started.status_code == 302, started.content[:300]
    query = parse_qs(urlsplit(started["Location"]).query)
    assert started["Location"].startswith(f"{edge.url}/oauth/authorize?")
    assert query["redirect_uri"] == ["http://localhost/billing/connect/return/"]
    back = host_client("localhost").get(
        "/billing/connect/return/", {"code": edge.oauth_code(), "state": query["state"][0]}
    )
    assert back.status_code == 302, back.content[:300]
    target = urlsplit(back["Location"])
    assert target.netloc == f"{tenant.subdomain}.localhost"
    assert owner_client.get(target.path, parse_qs(target.query)).status_code == 302
    connection.set_schema_to_public()
    return services.connected_account(tenant_id=tenant.id).account_id


def _tier(owner_client, tenant) -> Tier:
    answer = owner_client.post("/dashboard/memberships/tiers/new/", {
        "name": "Supporter", "monthly": "5", "yearly": "50", "benefits": "All posts\nThe feed",
        "trial_days": "0", "active": "on",
    })  # fmt: skip
    assert answer.status_code == 302, answer.content[:500]
    with tenant_context(tenant):
        return Tier.objects.get(name="Supporter")


def _pay(tenant, edge, tier, email="payer@example.org"):
    client = member_client(tenant, email=email)
    answer = client.post("/members/checkout/", {"tier": tier.id, "interval": "month"})
    assert answer.status_code == 303, answer.content[:500]
    assert answer["Location"].startswith(f"{edge.url}/pay/")
    session = answer["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert (
        membership_of(tenant, client.member.id) is None
        or not membership_of(tenant, client.member.id).stripe_subscription_id
    )  # nothing from the redirect alone
    edge.checkout_pay(session)
    assert [a.status_code for a in deliver(edge)] == [200, 200]
    return client


def test_connect_tier_pay_cancel_and_the_end(tenant, owner_client, stripe_edge):
    account = _connect(owner_client, tenant, stripe_edge)
    assert account.startswith("acct_")
    tier = _tier(owner_client, tenant)
    with tenant_context(tenant):
        prices = {p.interval: p for p in TierPrice.objects.filter(tier=tier)}
    assert set(prices) == {"month", "year"} and prices["month"].stripe_account == account
    post = paid_post(tenant)
    client = _pay(tenant, stripe_edge, tier)
    m = membership_of(tenant, client.member.id)
    assert (m.status, m.tier_id, m.amount, m.interval) == ("active", tier.id, 500, "month")
    assert gated(client, post)["access"] is True

    portal = client.post("/members/billing/")
    assert portal.status_code == 303 and "/portal/" in portal["Location"]
    stripe_edge.portal_cancel(m.stripe_subscription_id)
    deliver(stripe_edge)
    assert membership_of(tenant, client.member.id).cancel_at_period_end is True
    assert gated(client, post)["access"] is True  # to the period's end
    stripe_edge.advance(to=m.current_period_end.timestamp() + 60)
    deliver(stripe_edge)
    assert membership_of(tenant, client.member.id).status == "canceled"
    assert gated(client, post)["access"] is False


def test_a_new_price_is_for_new_members_and_old_ones_keep_theirs(tenant, owner_client, stripe_edge):
    _connect(owner_client, tenant, stripe_edge)
    tier = _tier(owner_client, tenant)
    first = _pay(tenant, stripe_edge, tier)
    owner_client.post(f"/dashboard/memberships/tiers/{tier.id}/", {
        "name": "Supporter", "monthly": "7", "yearly": "70", "trial_days": "0", "active": "on",
    })  # fmt: skip
    second = _pay(tenant, stripe_edge, tier, email="later@example.org")
    assert membership_of(tenant, first.member.id).amount == 500
    assert membership_of(tenant, second.member.id).amount == 700
    assert membership_of(tenant, first.member.id).tier_id == tier.id


def test_the_reconcile_repairs_what_a_lost_webhook_left(tenant, owner_client, stripe_edge):
    _connect(owner_client, tenant, stripe_edge)
    tier = _tier(owner_client, tenant)
    client = _pay(tenant, stripe_edge, tier)
    sub_id = membership_of(tenant, client.member.id).stripe_subscription_id
    stripe_edge.portal_cancel(sub_id)
    stripe_edge.take_events()  # lost on the way
    with tenant_context(tenant):
        run = memberships_reconcile(tenant=tenant)
    assert (run.checked, run.repaired) == (1, 1), run.details
    assert membership_of(tenant, client.member.id).cancel_at_period_end is True
    stripe_edge.advance(
        to=membership_of(tenant, client.member.id).current_period_end.timestamp() + 60
    )
    stripe_edge.take_events()
    with tenant_context(tenant):
        again = memberships_reconcile(tenant=tenant)
        assert ReaderMembership.objects.get(subscriber_id=client.member.id).status == "canceled"
    assert again.repaired == 1 and "canceled" in again.details[0]
    connection.set_schema_to_public()
    assert ReconcileRun.objects.filter(tenant=tenant).count() == 2


def test_a_disconnected_blog_sells_nothing_more(tenant, owner_client, stripe_edge):
    _connect(owner_client, tenant, stripe_edge)
    tier = _tier(owner_client, tenant)
    owner_client.post("/dashboard/memberships/disconnect/")
    page = owner_client.get("/dashboard/memberships/")
    assert b"keep running on Stripe" in page.content
    client = member_client(tenant)
    refused = client.post("/members/checkout/", {"tier": tier.id, "interval": "month"})
    assert refused.status_code == 403 and b"not taking payments" in refused.content


def test_an_answer_for_another_browser_links_nothing(tenant, owner_client, stripe_edge):
    started = owner_client.post("/dashboard/memberships/connect/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    other = host_client(tenant)
    other.force_login(tenant.owner)
    done = other.get("/dashboard/memberships/connect/done/",
                     {"code": stripe_edge.oauth_code(), "state": state})  # fmt: skip
    assert done.status_code == 302
    connection.set_schema_to_public()
    assert services.connected_account(tenant_id=tenant.id) is None


def test_a_member_changes_tier_and_the_webhook_moves_the_access(tenant, owner_client, stripe_edge):
    _connect(owner_client, tenant, stripe_edge)
    supporter = _tier(owner_client, tenant)
    owner_client.post("/dashboard/memberships/tiers/new/", {
        "name": "Patron", "monthly": "12", "yearly": "120", "trial_days": "0", "active": "on",
    })  # fmt: skip
    with tenant_context(tenant):
        patron = Tier.objects.get(name="Patron")
    patrons_only = paid_post(tenant, visibility="tiers", access_tiers=[patron.id])
    client = _pay(tenant, stripe_edge, supporter)
    assert gated(client, patrons_only)["access"] is False
    page = client.get("/members/account/")
    assert b'id="change-tier"' in page.content
    assert f'id="change-{patron.id}"'.encode() in page.content

    same = client.post("/members/change/", {"tier": supporter.id, "interval": "month"})
    assert same.status_code == 400 and b"already have Supporter" in same.content
    moved = client.post("/members/change/", {"tier": patron.id, "interval": "year"})
    assert moved.status_code == 303, moved.content[:500]
    assert membership_of(tenant, client.member.id).tier_id == supporter.id  # until Stripe says
    assert gated(client, patrons_only)["access"] is False
    assert [a.status_code for a in deliver(stripe_edge)] == [200]
    m = membership_of(tenant, client.member.id)
    assert (m.tier_id, m.interval, m.amount) == (patron.id, "year", 12000)
    assert gated(client, patrons_only)["access"] is True
    with tenant_context(tenant):
        assert m.events.filter(kind="changed", tier=patron).count() == 1


def test_only_a_running_paid_membership_can_change_tier(tenant, owner_client, stripe_edge):
    _connect(owner_client, tenant, stripe_edge)
    tier = _tier(owner_client, tenant)
    free = member_client(tenant, email="free@example.org")
    refused = free.post("/members/change/", {"tier": tier.id, "interval": "month"})
    assert refused.status_code == 403 and b"no running paid membership" in refused.content
    assert membership_of(tenant, free.member.id) is None
    unknown = free.post("/members/change/", {"tier": "999999", "interval": "month"})
    assert unknown.status_code == 400 and b"Choose one of the tiers" in unknown.content
    assert stripe_edge.take_events() == []
