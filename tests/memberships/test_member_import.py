"""Members from Ghost's and Substack's exports (tests/data/members/), paying members read from
the blog's own account on the local Stripe: free and unsubscribed readers, paid members who
keep their subscription, comps, a price of no tier, bad files and rows, a second import of the
same file, and another blog's Stripe customer."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import stripe
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audience.models import Subscriber
from memberships import member_import
from memberships.access import paid_access
from memberships.member_import import MemberImportInvalid
from memberships.models import MemberEvent, ReaderMembership, TierPrice
from tasks.memberships import member_import_run
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.factories import SubscriberFactory
from tests.memberships.conftest import connect_account, tier_with_price
from tests.support.stripe_local import GOOD_CARD
from tests.tasks.conftest import purge_all_queues, start_worker, wait_for

DATA = Path(__file__).resolve().parents[1] / "data" / "members"
PAGE = "/dashboard/memberships/members/import/"


def _sdk(edge) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_quire", base_addresses={"api": edge.url})


def _price(edge, account: str, *, amount: int = 500, interval: str = "month") -> str:
    """A price made on the account the way Ghost or Substack made theirs (not by Quire)."""
    api, on = _sdk(edge).v1, {"stripe_account": account}
    product = api.products.create(params={"name": "Ghost tier"}, options=on)
    price = api.prices.create(
        params={"product": product.id, "unit_amount": amount, "currency": "usd",
                "recurring": {"interval": interval}},
        options=on,
    )  # fmt: skip
    return price.id


def _paying(edge, account: str, *, email: str, price: str) -> tuple[str, str]:
    """A customer of the account with a card and a running subscription: (customer, sub)."""
    api, on = _sdk(edge).v1, {"stripe_account": account}
    customer = api.customers.create(params={"email": email}, options=on)
    card = {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = api.payment_methods.create(params={"type": "card", "card": card}, options=on)
    api.payment_methods.attach(method.id, params={"customer": customer.id}, options=on)
    api.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": method.id}}, options=on
    )
    sub = api.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": price}]}, options=on
    )
    return customer.id, sub.id


@pytest.fixture
def shop(tenant, stripe_edge):
    """`tenant` connected to its own account on the local Stripe, with a tier "Supporter"
    whose monthly price (made at Stripe by the old platform) Quire knows."""
    account = stripe_edge.add_account(email="owner@alpha.example")
    connect_account(tenant, account)
    price = _price(stripe_edge, account)
    tier = tier_with_price(tenant, account, name="Supporter", price=price)
    return SimpleNamespace(tenant=tenant, account=account, price=price, tier=tier, edge=stripe_edge)


def _read(name: str, **ids: str) -> bytes:
    data = (DATA / name).read_bytes()
    for placeholder, real in ids.items():
        data = data.replace(placeholder.encode(), real.encode())
    return data


def _run(tenant, data: bytes, tier=None) -> member_import.ImportReport:
    with tenant_context(tenant):
        parsed = member_import.members_csv_read(data)
        return member_import.members_import(tenant=tenant, parsed=parsed, tier=tier)


def _notes(report) -> dict[str, str]:
    return {email: text for _line, email, text in report.notes}


def _members(tenant) -> tuple[dict, dict]:
    with tenant_context(tenant):
        subscribers = {s.email: (s.status, s.name) for s in Subscriber.objects.all()}
        memberships = {
            m.subscriber.email: (m.status, m.tier.name if m.tier_id else None, m.source,
                                 m.stripe_customer_id, m.stripe_subscription_id)
            for m in ReaderMembership.objects.select_related("subscriber", "tier")
        }  # fmt: skip
    return subscribers, memberships


def test_a_ghost_export_brings_free_paying_and_comped_members(shop):
    customer, sub_id = _paying(shop.edge, shop.account, email="cyd@example.com", price=shop.price)
    report = _run(shop.tenant, _read("ghost_members.csv", cus_GHOSTPAID=customer))

    assert (report.source, report.members, report.added) == ("ghost", 5, 5)
    assert (report.paid, report.comped, report.skipped) == (1, 1, 0)
    subscribers, memberships = _members(shop.tenant)
    assert subscribers["ada@example.com"] == ("confirmed", "Ada Lovelace")
    assert subscribers["brook@example.com"] == ("unsubscribed", "Brook Ng")  # no newsletters
    assert memberships["cyd@example.com"] == ("active", "Supporter", "import", customer, sub_id)
    assert memberships["dee@example.com"][:3] == ("comped", "Supporter", "import")
    assert {"ada@example.com", "brook@example.com", "eli@example.com"}.isdisjoint(memberships)
    gone = _notes(report)["eli@example.com"]
    assert "Stripe has no customer cus_GHOSTGONE on this blog's account" in gone
    with tenant_context(shop.tenant):
        cyd = ReaderMembership.objects.get(subscriber__email="cyd@example.com")
        assert (cyd.amount, cyd.interval, cyd.stripe_price_id) == (500, "month", shop.price)
        assert paid_access(cyd, now=cyd.updated_at, grace_days=7) is True


def test_a_substack_list_finds_paying_members_by_address_on_the_blogs_account(shop):
    _customer, sub_id = _paying(shop.edge, shop.account, email="gus@example.com", price=shop.price)
    report = _run(shop.tenant, _read("substack_email_list.csv"))

    assert (report.source, report.members, report.paid, report.skipped) == ("substack", 3, 1, 1)
    assert "deletion request" in report.notes[0][2] and report.notes[0][0] == 5
    subscribers, memberships = _members(shop.tenant)
    assert subscribers["fern@example.com"][0] == "confirmed"
    assert subscribers["hal@example.com"][0] == "unsubscribed"  # email_disabled
    assert set(memberships) == {"gus@example.com"}
    assert memberships["gus@example.com"][0::4] == ("active", sub_id)


def test_substack_subscribers_with_customer_ids_comps_and_an_ended_gift(shop):
    customer, sub_id = _paying(shop.edge, shop.account, email="ivy@example.com", price=shop.price)
    report = _run(shop.tenant, _read("substack_subscribers.csv", cus_SUBSTACKPAID=customer))

    assert (report.members, report.paid, report.comped) == (3, 1, 1)
    _subscribers, memberships = _members(shop.tenant)
    assert memberships["ivy@example.com"][0::4] == ("active", sub_id)
    assert memberships["jo@example.com"][:2] == ("comped", "Supporter")  # the only tier
    assert "ended on 2020-01-01" in _notes(report)["kit@example.com"]
    assert "kit@example.com" not in memberships


def test_a_price_of_no_tier_is_a_free_member_with_a_note_until_a_tier_is_chosen(shop):
    other_price = _price(shop.edge, shop.account, amount=4000, interval="year")
    customer, sub_id = _paying(shop.edge, shop.account, email="cyd@example.com", price=other_price)
    data = _read("ghost_members.csv", cus_GHOSTPAID=customer)

    first = _run(shop.tenant, data)
    assert first.paid == 0
    note = _notes(first)["cyd@example.com"]
    assert f"price {other_price} (40.00 USD a year) matches no tier: add it to a tier" in note
    assert "cyd@example.com" not in _members(shop.tenant)[1]

    second = _run(shop.tenant, data, tier=shop.tier)
    assert second.paid == 1 and "cyd@example.com" not in _notes(second)
    assert _members(shop.tenant)[1]["cyd@example.com"][0::4] == ("active", sub_id)
    with tenant_context(shop.tenant):
        kept = TierPrice.objects.get(stripe_price_id=other_price)
        assert (kept.tier_id, kept.interval, kept.amount, kept.current) == (
            shop.tier.id, "year", 4000, False,
        )  # fmt: skip
        assert TierPrice.objects.get(stripe_price_id=shop.price).current is True


def test_importing_the_same_file_twice_gives_the_same_members(shop):
    customer, _ = _paying(shop.edge, shop.account, email="cyd@example.com", price=shop.price)
    data = _read("ghost_members.csv", cus_GHOSTPAID=customer)
    first = _run(shop.tenant, data)
    before = _members(shop.tenant)
    with tenant_context(shop.tenant):
        events = list(MemberEvent.objects.values_list("membership_id", "kind"))
    assert len(events) == 2  # started paying, comped

    second = _run(shop.tenant, data)
    assert _members(shop.tenant) == before
    with tenant_context(shop.tenant):
        assert list(MemberEvent.objects.values_list("membership_id", "kind")) == events
        assert Subscriber.objects.count() == 5
    assert (second.members, second.added, second.paid, second.comped) == (5, 0, 1, 1)
    assert second.notes == first.notes


def test_a_file_of_many_paying_rows_reads_the_account_once_with_the_same_outcome(shop):
    customer, sub_id = _paying(shop.edge, shop.account, email="cyd@example.com", price=shop.price)
    lines = (DATA / "ghost_members.csv").read_text().replace("cus_GHOSTPAID", customer)
    extra = [
        f"6571a1b2c3d4e5f6{n:08d},former{n}@example.com,,,true,false,cus_FORMER{n:04d},"
        "2023-01-01T00:00:00.000Z,,,"
        for n in range(member_import.PREFETCH_OVER)
    ]
    report = _run(shop.tenant, (lines + "\n".join(extra) + "\n").encode())

    assert (report.members, report.paid, report.comped) == (5 + len(extra), 1, 1)
    assert _members(shop.tenant)[1]["cyd@example.com"][0::4] == ("active", sub_id)
    notes = _notes(report)
    assert (
        "Stripe has no customer cus_FORMER0042 on this blog's account"
        in notes["former42@example.com"]
    )


def test_a_file_of_another_kind_is_refused_naming_what_is_expected(shop):
    with pytest.raises(MemberImportInvalid) as refused:
        _run(shop.tenant, _read("mailchimp_audience.csv"))
    message = refused.value.message
    assert "subscribed_to_emails,complimentary_plan,stripe_customer_id" in message
    assert "email,active_subscription,expiry,plan" in message and "Email Address" in message
    with pytest.raises(MemberImportInvalid, match="not UTF-8 text"):
        _run(shop.tenant, _read("substack_latin1.csv"))
    with pytest.raises(MemberImportInvalid, match="is empty"):
        _run(shop.tenant, b"")
    assert _members(shop.tenant) == ({}, {})


def test_bad_rows_are_noted_by_line_and_an_address_here_is_updated_not_doubled(shop):
    with tenant_context(shop.tenant):
        SubscriberFactory(tenant=shop.tenant, email="bounced@example.com", name="",
                          status=Subscriber.Status.BOUNCED)  # fmt: skip
    report = _run(shop.tenant, _read("ghost_bad_rows.csv"))

    lines = {line: text for line, _email, text in report.notes}
    assert "“not-an-address” is not an email address" in lines[3]
    assert "the same address as line 2" in lines[4]
    assert "deleted on Ghost" in lines[5]
    assert "“12345” is not a Stripe customer id" in lines[6]
    assert (report.members, report.added, report.skipped) == (3, 2, 3)
    subscribers, memberships = _members(shop.tenant)
    assert subscribers == {
        "lee@example.com": ("confirmed", "Lee Park"),
        "nat@example.com": ("confirmed", "Nat Wu"),
        "bounced@example.com": ("bounced", "Bo Unce"),  # its state kept, its name filled in
    }
    assert memberships == {}


def test_a_huge_file_is_refused_stating_the_limit(shop):
    size = member_import.MAX_BYTES + 1
    big = SimpleUploadedFile("members.csv", b"x" * size, content_type="text/csv")
    with tenant_context(shop.tenant), pytest.raises(MemberImportInvalid) as refused:
        member_import.member_import_start(tenant=shop.tenant, upload=big, tier_id=None)
    assert "at most 20 MB and 200,000 rows" in refused.value.message
    header = (DATA / "substack_email_list.csv").read_bytes().splitlines()[0]
    many = header + b"\n" + b"x\n" * (member_import.MAX_ROWS + 1)
    with pytest.raises(MemberImportInvalid, match="at most 20 MB and 200,000 rows"):
        _run(shop.tenant, many)
    assert _members(shop.tenant) == ({}, {})


def test_another_blogs_stripe_customer_is_not_attached_and_its_blog_gets_nothing(
    shop, other_tenant
):
    theirs_account = shop.edge.add_account(email="owner@bravo.example")
    connect_account(other_tenant, theirs_account)
    theirs_price = _price(shop.edge, theirs_account)
    tier_with_price(other_tenant, theirs_account, name="Supporter", price=theirs_price)
    theirs, _sub = _paying(shop.edge, theirs_account, email="cyd@example.com", price=theirs_price)

    report = _run(shop.tenant, _read("ghost_members.csv", cus_GHOSTPAID=theirs), tier=shop.tier)
    assert report.paid == 0
    note = _notes(report)["cyd@example.com"]
    assert f"Stripe has no customer {theirs} on this blog's account ({shop.account})" in note
    assert "cyd@example.com" not in _members(shop.tenant)[1]
    assert _members(other_tenant) == ({}, {})
    connection.set_schema_to_public()


def test_the_members_page_imports_an_upload_in_the_background_and_shows_the_report(
    other_tenant, shop, owner_client, password, django_assert_max_num_queries
):
    customer, _ = _paying(shop.edge, shop.account, email="cyd@example.com", price=shop.price)
    members = owner_client.get("/dashboard/memberships/members/")
    assert f'href="{PAGE}"'.encode() in members.content
    upload = SimpleUploadedFile(
        "members.csv", _read("ghost_members.csv", cus_GHOSTPAID=customer), content_type="text/csv"
    )
    answer = owner_client.post(PAGE, {"file": upload, "tier": ""})
    assert answer.status_code == 302 and answer["Location"] == PAGE
    assert b"Importing 5 rows from Ghost" in owner_client.get(PAGE).content
    assert _members(shop.tenant) == ({}, {})  # nothing before the worker runs

    with tenant_context(shop.tenant):
        job = member_import.member_import_latest(tenant=shop.tenant)
        assert member_import_run(job["id"]) == "done"
    with django_assert_max_num_queries(12):
        page = owner_client.get(PAGE)
    text = page.content.decode()
    assert '<strong id="count-members">5</strong>' in text
    assert '<strong id="count-paid">1</strong>' in text
    assert '<strong id="count-comped">1</strong>' in text
    assert "Stripe has no customer cus_GHOSTGONE" in text

    refused = owner_client.post(
        PAGE, {"file": SimpleUploadedFile("a.csv", _read("mailchimp_audience.csv"))}, follow=True
    )
    assert "Expected Ghost" in refused.content.decode()
    assert member_import.member_import_latest(tenant=shop.tenant)["id"] == job["id"]

    theirs = host_client(other_tenant)
    theirs.post("/accounts/login/", {"login": other_tenant.owner.email, "password": password})
    their_page = theirs.get(PAGE)
    assert their_page.status_code == 200 and b"import-report" not in their_page.content
    assert member_import.member_import_latest(tenant=other_tenant) is None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_the_upload_from_private_storage_and_stripe(
    other_tenant, shop, owner_client, settings, tmp_path
):
    """The upload is kept in private storage and imported by a Celery worker of its own
    (another process, reading the same storage, Redis and local Stripe), in this blog only."""
    root = tmp_path / "private"
    settings.STORAGES = settings.STORAGES | {
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    }
    customer, _ = _paying(shop.edge, shop.account, email="cyd@example.com", price=shop.price)
    purge_all_queues("default")
    worker = start_worker(
        tmp_path / "worker.log", queues="default", QUIRE_PRIVATE_ROOT=str(root),
        STRIPE_API_BASE=shop.edge.url, STRIPE_CONNECT_BASE=shop.edge.url,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
    )  # fmt: skip
    try:
        upload = SimpleUploadedFile(
            "members.csv", _read("ghost_members.csv", cus_GHOSTPAID=customer), "text/csv"
        )
        assert owner_client.post(PAGE, {"file": upload, "tier": ""}).status_code == 302

        def finished():
            with tenant_context(shop.tenant):
                job = member_import.member_import_latest(tenant=shop.tenant)
            connection.set_schema_to_public()
            return job if job and job["status"] in ("done", "failed") else None

        job = wait_for(finished, timeout=60, log=worker.log)
    finally:
        worker.stop()
        purge_all_queues("default")
    assert job["status"] == "done", job["error"]
    assert (job["report"]["members"], job["report"]["paid"]) == (5, 1)
    subscribers, memberships = _members(shop.tenant)
    assert len(subscribers) == 5 and memberships["cyd@example.com"][0] == "active"
    assert not list(root.rglob("*.csv"))  # the kept upload is removed once imported
    assert _members(other_tenant) == ({}, {})
    connection.set_schema_to_public()
