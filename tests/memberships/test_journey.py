"""A reader's paid membership in Chromium, against the local Stripe (localstripe behind our
edge), which shows its own Checkout and Billing Portal pages and POSTs signed Connect
webhooks to the live server: the reader joins free by the mailed link (a real worker, a real
SMTP server), opens a paid post and sees its public part and the call to subscribe, pays on
Checkout, is back before Stripe's webhook and still sees only the public part, sees the whole
post once the webhook says the subscription runs, cancels in the portal and keeps the post to
the period's end, and loses the rest of it when Stripe ends the subscription then."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from audience.models import Subscriber
from tenants.context import tenant_context
from tests.e2e.conftest import CHROMIUM_ARGS, _chromium_path
from tests.e2e.smtp import Inbox
from tests.memberships.conftest import PUBLIC, SECRET, connect_account, membership_of, paid_post
from tests.support.browser import blog_base
from tests.support.net import free_port
from tests.tasks.conftest import purge_all_queues, start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = "newsletters"  # the sign-in mail (tasks.newsletters.member_signin_send)
READER = "reader@example.org"


@pytest.fixture
def mailing(live_server, tmp_path):
    """A real SMTP server and a worker that mails through it, links naming the live server."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    purge_all_queues(QUEUE)
    worker = start_worker(
        tmp_path / "worker.log",
        queues=QUEUE,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        QUIRE_PUBLIC_SCHEME="http",
        QUIRE_PUBLIC_PORT=live_server.url.rsplit(":", 1)[1],
    )
    try:
        yield inbox
    finally:
        worker.stop()
        controller.stop()
        purge_all_queues(QUEUE)


def _in_chromium(journey, **kwargs) -> None:
    """Run `journey(page, **kwargs)` in a fresh Chromium profile (a reader nobody knows yet),
    with a Playwright of its own in a thread of its own: the e2e suite's session `browser`
    may hold this thread's. The database connection the journey used is closed at the end
    (inside Playwright's context: Django's `connection` there is not the one outside)."""

    def run() -> None:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = chromium.new_context().new_page()
                page.set_default_timeout(15_000)
                journey(page, **kwargs)
            finally:
                connection.close()
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(run).result()


def _selling_tier(tenant, owner_client, edge) -> str:
    """Link a Standard account to the blog and make a Supporter tier through the dashboard
    (its product and prices are made on the account); the account's id."""
    account = edge.add_account(email=tenant.owner.email)
    connect_account(tenant, account)
    made = owner_client.post("/dashboard/memberships/tiers/new/", {
        "name": "Supporter", "monthly": "5", "yearly": "50", "benefits": "Every post",
        "trial_days": "0", "active": "on",
    })  # fmt: skip
    assert made.status_code == 302, made.content[:500]
    connection.set_schema_to_public()
    return account


def _delivered(edge, since: int) -> list[tuple[str, int | None]]:
    """Release what the edge held, wait for it, and the webhooks' answers since `since`."""
    edge.release()
    assert edge.wait_delivered(), "the edge's webhooks did not all go out within 10 s"
    answers = [(d["type"], d.get("status")) for d in edge.deliveries[since:]]
    assert answers and all(status == 200 for _, status in answers), answers
    return answers


def _post_as_outsider(page, url: str) -> None:
    """The post as a signed-in reader without access: the public part and the call to
    subscribe, once paywall.js has had the gated path's answer."""
    page.goto(url)
    expect(page.locator("#paywall.paywall-upgrade")).to_be_visible()
    expect(page.locator("article")).to_contain_text(PUBLIC)
    expect(page.locator("article")).not_to_contain_text(SECRET)
    expect(page.locator(".post-gated")).to_have_count(0)
    expect(page.locator("#paywall .paywall-join")).to_have_text("Subscribe")


def _post_as_member(page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".post-gated")).to_contain_text(f"{SECRET} is the rest.")
    expect(page.locator("article")).to_contain_text(PUBLIC)
    expect(page.locator("#paywall")).to_have_count(0)


def _reader_journey(page, *, tenant, account: str, edge, inbox, base: str, url: str) -> None:
    sent = len(edge.deliveries)

    # A stranger: the public part and the paywall's call to subscribe or sign in.
    page.goto(url)
    expect(page.locator("article")).to_contain_text(PUBLIC)
    expect(page.locator("#paywall h2")).to_have_text("The rest of this post is for paying members")
    expect(page.locator("#paywall .paywall-signin")).to_be_visible()
    expect(page.locator("article")).not_to_contain_text(SECRET)

    # Joins free: Subscribe → Join free → the mailed link → back on the post.
    page.locator("#paywall .paywall-join").click()
    page.wait_for_url(re.compile(r".*/members/join/\?next="))
    expect(page.locator("#tier-free")).to_be_visible()
    page.locator("#tier-free").get_by_role("link", name="Join free").click()
    page.wait_for_url(re.compile(r".*/members/signin/\?next="))
    page.fill("#signin-email", READER)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("main h1")).to_have_text("Check your inbox")
    mail = inbox.wait_for(READER, "Sign in to", timeout=20)
    page.goto(inbox.link(mail, re.escape(base) + "/members/signin/"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)
    _post_as_outsider(page, url)  # a free member: still the public part only
    expect(page.locator("#paywall .paywall-signin")).to_have_count(0)

    # Upgrades on Stripe's Checkout page, while Stripe's webhooks are held back.
    edge.hold()
    page.locator("#paywall .paywall-join").click()
    page.wait_for_url(re.compile(r".*/members/join/"))
    page.locator("section.tier:not(#tier-free)", has_text="Supporter").get_by_role(
        "button", name="Monthly"
    ).click()
    page.wait_for_url(re.compile(re.escape(edge.url) + r"/pay/cs_test_\w+$"))
    expect(page.locator("#price")).to_have_text("5.00 USD per month")
    expect(page.locator("input[name=email]")).to_have_value(READER)
    page.fill("input[name=card]", "4242 4242 4242 4242")
    page.locator("#pay").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/members/account/\?checkout=cs_test_"))

    # Back from Checkout, Stripe's word not in yet: no access from the redirect.
    assert edge.held >= 1
    expect(page.locator("#waiting")).to_be_visible()
    expect(page.locator("#standing")).to_contain_text("You are a member of the free tier")
    _post_as_outsider(page, url)
    member = membership_of(tenant, _member_id(tenant))
    assert member is None or not member.stripe_subscription_id

    # The signed webhook arrives: the whole post.
    kinds = [kind for kind, _ in _delivered(edge, sent)]
    assert "customer.subscription.created" in kinds, kinds
    sent = len(edge.deliveries)
    page.goto(f"{base}/members/account/")
    expect(page.locator("#standing")).to_contain_text("You have Supporter")
    expect(page.locator("#standing")).to_contain_text("Renews on")
    _post_as_member(page, url)

    # Cancels in the Billing Portal: access to the period's end.
    page.goto(f"{base}/members/account/")
    page.locator("#manage-billing").click()
    page.wait_for_url(re.compile(re.escape(edge.url) + r"/portal/bps_\w+$"))
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.locator(".subscription .cancels")).to_be_visible()
    assert [kind for kind, _ in _delivered(edge, sent)] == ["customer.subscription.updated"]
    sent = len(edge.deliveries)
    page.locator("#return").click()
    page.wait_for_url(f"{base}/members/account/")
    expect(page.locator("#ends")).to_contain_text("Cancelled: your access ends on")
    _post_as_member(page, url)

    # The period ends (Stripe's clock moves past it): until the webhook says so the
    # reader keeps the post; then the public part only.
    period_end = membership_of(tenant, _member_id(tenant)).current_period_end
    edge.hold()
    edge.advance(account, to=period_end.timestamp() + 60)
    assert edge.held >= 1
    _post_as_member(page, url)
    kinds = [kind for kind, _ in _delivered(edge, sent)]
    assert "customer.subscription.deleted" in kinds, kinds
    _post_as_outsider(page, url)
    page.goto(f"{base}/members/account/")
    expect(page.locator("#standing")).to_contain_text("Your paid membership has ended.")


def _member_id(tenant) -> int:
    with tenant_context(tenant):
        found = Subscriber.objects.get(email=READER).id
    connection.set_schema_to_public()
    return found


def test_join_free_pay_cancel_and_the_period_end(
    live_server, tenant, owner_client, stripe_edge, mailing
):
    account = _selling_tier(tenant, owner_client, stripe_edge)
    post = paid_post(tenant, title="Tides")
    connection.set_schema_to_public()
    base = blog_base(live_server, tenant)
    root = live_server.url.replace("127.0.0.1", "localhost")
    stripe_edge.target_url = f"{root}/billing/stripe/connect/"
    try:
        _in_chromium(
            _reader_journey, tenant=tenant, account=account, edge=stripe_edge, inbox=mailing,
            base=base, url=f"{base}/{post.slug}/",
        )  # fmt: skip
    finally:
        stripe_edge.release()
        stripe_edge.target_url = None
    assert membership_of(tenant, _member_id(tenant)).status == "canceled"
