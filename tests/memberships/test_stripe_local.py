"""The local Stripe (localstripe behind our edge) driven as Quire drives Stripe: the real
`stripe` SDK for the API and Connect OAuth, plain HTTP for the pages a browser sees."""

import hashlib
import hmac
import http.server
import json
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import html5lib
import httpx
import pytest
import stripe

from tests.support.net import free_port
from tests.support.stripe_local import LocalStripe, StripeError

REQUIRED = json.loads((Path(__file__).parents[1] / "data/stripe_openapi_required.json").read_text())
DAY = 86400


def _client(edge) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_quire",
        client_id="ca_test_quire",
        base_addresses={"api": edge.url, "connect": edge.url},
        max_network_retries=0,
    )


def _account(edge, client, email="owner@example.org") -> str:
    token = client.oauth.token(params={"grant_type": "authorization_code",
                                       "code": edge.oauth_code(email=email)})  # fmt: skip
    return token["stripe_user_id"]


def _on(acct: str) -> dict:
    return {"stripe_account": acct}


def _catalog(client, acct):
    product = client.v1.products.create(params={"name": "Supporter"}, options=_on(acct))
    prices = [
        client.v1.prices.create(params={
            "product": product.id, "unit_amount": amount, "currency": "usd",
            "recurring": {"interval": interval}, "metadata": {"quire_tier": "1"},
        }, options=_on(acct))
        for amount, interval in ((500, "month"), (5000, "year"))
    ]  # fmt: skip
    return product, *prices


def _session(client, acct, price, **params):
    params = {
        "mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "http://blog.localhost/members/welcome/?s={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://blog.localhost/members/", "client_reference_id": "member-7",
        "subscription_data": {"metadata": {"quire_schema": "t_blog"}},
    } | params  # fmt: skip
    if "customer" not in params:
        params.setdefault("customer_email", "reader@example.org")
    return client.v1.checkout.sessions.create(params=params, options=_on(acct))


def _paid(edge, client, acct, price, card="4242424242424242", **params):
    session = _session(client, acct, price, **params)
    return edge.checkout_pay(session.id, card=card)["subscription"]


def _keys(obj) -> set[str]:
    return set(obj.to_dict() if hasattr(obj, "to_dict") else obj)


def _doc(text: str):
    return html5lib.parse(text, namespaceHTMLElements=False)


def _types(edge) -> list[str]:
    return [e["event"]["type"] for e in edge.take_events()]


def test_oauth_connect_deny_and_token(stripe_edge):
    client = _client(stripe_edge)
    query = {
        "response_type": "code", "client_id": "ca_test_quire", "scope": "read_write",
        "state": "S1", "redirect_uri": "http://localhost/billing/connect/return/",
        "stripe_user[email]": "owner@example.org",
    }  # fmt: skip
    page = httpx.get(f"{stripe_edge.url}/oauth/authorize", params=query)
    doc = _doc(page.text)
    assert page.status_code == 200 and doc.find(".//button[@id='connect']").text == "Connect"
    assert doc.find(".//button[@id='deny']").text == "Deny"
    form = {i.get("name"): i.get("value") for i in doc.iterfind(".//input")}
    connect = httpx.post(f"{stripe_edge.url}/oauth/authorize", data=form | {"decision": "connect"})
    assert connect.status_code == 302
    target = urlsplit(connect.headers["location"])
    back = parse_qs(target.query)
    assert target.path == "/billing/connect/return/" and back["state"] == ["S1"]
    assert back["scope"] == ["read_write"] and back["code"][0].startswith("ac_")
    deny = httpx.post(f"{stripe_edge.url}/oauth/authorize", data=form | {"decision": "deny"})
    denied = parse_qs(urlsplit(deny.headers["location"]).query)
    assert denied["error"] == ["access_denied"] and denied["state"] == ["S1"]

    token = client.oauth.token(params={"grant_type": "authorization_code", "code": back["code"][0]})
    assert set(REQUIRED["oauth_token"]) <= _keys(token)
    assert token["stripe_user_id"].startswith("acct_") and token["livemode"] is False
    account = client.v1.accounts.retrieve(token["stripe_user_id"])
    assert (account.type, account.email, account.default_currency) == (
        "standard",
        "owner@example.org",
        "usd",
    )
    assert account.charges_enabled and account.details_submitted
    with pytest.raises(stripe.oauth_error.InvalidGrantError, match="already been used"):
        client.oauth.token(params={"grant_type": "authorization_code", "code": back["code"][0]})
    with pytest.raises(stripe.oauth_error.InvalidGrantError, match="does not exist"):
        client.oauth.token(params={"grant_type": "authorization_code", "code": "ac_nope"})
    assert _account(stripe_edge, client) != token["stripe_user_id"]


def test_calls_without_a_secret_key_are_refused_in_stripes_shape(stripe_edge):
    for headers in ({}, {"Authorization": "Bearer pk_test_123456"}):
        answer = httpx.get(f"{stripe_edge.url}/v1/customers", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["type"] == "invalid_request_error"
    answer = httpx.post(f"{stripe_edge.url}/oauth/token", data={"code": "ac_x"})
    assert answer.status_code == 401
    with pytest.raises(stripe.PermissionError):  # an account this platform never connected
        _client(stripe_edge).v1.customers.list(options=_on("acct_unknown"))


def test_prices_are_plans_of_the_account_and_answer_in_the_price_shape(stripe_edge):
    client = _client(stripe_edge)
    acct, other = _account(stripe_edge, client), _account(stripe_edge, client)
    product, monthly, yearly = _catalog(client, acct)
    assert monthly.id.startswith("price_") and monthly.object == "price"
    assert (monthly.unit_amount, monthly.recurring.interval, yearly.recurring.interval) == (
        500,
        "month",
        "year",
    )
    assert set(REQUIRED["required"]["price"]) <= _keys(monthly)
    listed = client.v1.prices.list(params={"product": product.id}, options=_on(acct))
    assert {p.id for p in listed.data} == {monthly.id, yearly.id}
    assert client.v1.prices.list(options=_on(other)).data == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.prices.retrieve(monthly.id, options=_on(other))
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    off = client.v1.prices.update(monthly.id, params={"active": False, "metadata": {"x": "1"}},
                                  options=_on(acct))  # fmt: skip
    assert off.active is False and off.metadata.to_dict() == {"quire_tier": "1", "x": "1"}
    with pytest.raises(stripe.InvalidRequestError) as inactive:
        _session(client, acct, monthly)
    assert inactive.value.param == "line_items[0][price]"


def test_checkout_paid_queues_signed_events_on_the_account(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    session = _session(client, acct, monthly, metadata={"quire_subscriber": "7"},
                       subscription_data={"metadata": {"quire_schema": "t_blog"},
                                          "application_fee_percent": 5},
                       automatic_tax={"enabled": True})  # fmt: skip
    assert (session.status, session.url) == ("open", f"{stripe_edge.url}/pay/{session.id}")
    assert session.expires_at > time.time() and session.amount_total == 500
    assert set(REQUIRED["required"]["checkout.session"]) <= _keys(session)
    done = stripe_edge.checkout_pay(session.id)
    assert (done["status"], done["payment_status"]) == ("complete", "paid")
    events = stripe_edge.take_events()
    assert [e["event"]["type"] for e in events] == [
        "customer.subscription.created", "checkout.session.completed",
    ]  # fmt: skip
    for queued in events:
        stripe.WebhookSignature.verify_header(
            queued["payload"], queued["signature"], stripe_edge.connect_secret, 300
        )
        assert json.loads(queued["payload"]) == queued["event"]
        assert queued["event"]["account"] == acct
        assert set(REQUIRED["required"]["event"] + REQUIRED["current"]["event"]) <= set(
            queued["event"]
        )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(events[0]["payload"], events[0]["signature"],
                                              "whsec_other", 300)  # fmt: skip
    sub = client.v1.subscriptions.retrieve(done["subscription"], options=_on(acct))
    raw = httpx.get(
        f"{stripe_edge.url}/v1/subscriptions/{sub.id}",
        headers={"Authorization": "Bearer sk_test_quire", "Stripe-Account": acct},
    )
    assert events[0]["event"]["data"]["object"] == raw.json()  # as a GET answers
    assert events[1]["event"]["data"]["object"]["subscription"] == sub.id
    assert sub.metadata.to_dict() == {"quire_schema": "t_blog"}
    assert sub.application_fee_percent == 5 and sub.automatic_tax.enabled is True
    item = sub["items"].data[0]
    assert item.price.id == monthly.id and item.price.recurring.interval == "month"
    assert item.current_period_end == sub.current_period_end > item.current_period_start
    assert set(REQUIRED["required"]["subscription"]) <= _keys(sub)
    assert set(REQUIRED["required"]["subscription_item"] + REQUIRED["current"]["subscription_item"]) <= _keys(item)  # fmt: skip
    customer = client.v1.customers.retrieve(sub.customer, options=_on(acct))
    assert customer.email == "reader@example.org"
    assert set(REQUIRED["required"]["customer"]) <= _keys(customer)


def test_the_payment_page_shows_the_offer_and_its_form_subscribes(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, _, yearly = _catalog(client, acct)
    session = _session(client, acct, yearly, subscription_data={"trial_period_days": 14})
    page = httpx.get(session.url)
    doc = _doc(page.text)
    assert doc.find(".//*[@id='product']").text == "Supporter"
    assert "50.00 USD per year" in doc.find(".//*[@id='price']").text
    assert "14-day free trial" in doc.find(".//*[@id='trial']").text
    assert doc.find(".//input[@name='card']").get("value") == "4242424242424242"
    assert doc.find(".//input[@name='email']") is not None
    assert doc.find(".//button[@id='pay']").text == "Subscribe"
    answer = httpx.post(session.url, data={"card": "4242424242424242", "email": "r@example.org"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"http://blog.localhost/members/welcome/?s={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id, options=_on(acct))
    assert (done.status, done.payment_status) == ("complete", "no_payment_required")
    sub = client.v1.subscriptions.retrieve(done.subscription, options=_on(acct))
    assert sub.status == "trialing" and sub.trial_end - sub.trial_start == 14 * DAY
    assert httpx.get(session.url).status_code == 410  # a completed session pays once
    stripe_edge.take_events()
    stripe_edge.advance(account=acct, to=sub.trial_end + 60)
    assert _types(stripe_edge) == ["invoice.paid", "customer.subscription.updated"]
    renewed = client.v1.subscriptions.retrieve(sub.id, options=_on(acct))
    assert renewed.status == "active" and renewed.current_period_start == sub.trial_end


def test_a_declined_card_creates_nothing(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    session = _session(client, acct, monthly)
    answer = httpx.post(session.url, data={"card": "4000000000000002", "email": "d@example.org"})
    assert answer.status_code == 402
    assert "declined" in _doc(answer.text).find(".//*[@id='error']").text
    assert client.v1.customers.list(options=_on(acct)).data == []
    assert client.v1.subscriptions.list(params={"status": "all"}, options=_on(acct)).data == []
    assert stripe_edge.take_events() == []
    assert client.v1.checkout.sessions.retrieve(session.id, options=_on(acct)).status == "open"
    with pytest.raises(StripeError, match="declined") as declined:
        stripe_edge.checkout_pay(session.id, card="4000000000000002")
    assert declined.value.status == 402
    assert client.v1.customers.list(options=_on(acct)).data == []


def test_accounts_see_only_their_own_objects(stripe_edge):
    client = _client(stripe_edge)
    acct, other = _account(stripe_edge, client), _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    sub_id = _paid(stripe_edge, client, acct, monthly)
    sub = client.v1.subscriptions.retrieve(sub_id, options=_on(acct))
    for call in (
        lambda: client.v1.subscriptions.retrieve(sub_id, options=_on(other)),
        lambda: client.v1.customers.retrieve(sub.customer, options=_on(other)),
        lambda: client.v1.subscriptions.update(sub_id, params={"metadata": {"x": "y"}},
                                               options=_on(other)),
        lambda: client.v1.subscriptions.retrieve(sub_id),  # the platform's own objects
    ):  # fmt: skip
        with pytest.raises(stripe.InvalidRequestError) as missing:
            call()
        assert missing.value.http_status == 404
    assert client.v1.subscriptions.list(params={"status": "all"}, options=_on(other)).data == []
    assert client.v1.customers.list(options=_on(other)).data == []
    invoices = client.v1.invoices.list(params={"customer": sub.customer}, options=_on(acct))
    assert [i.subscription for i in invoices.data] == [sub_id]
    assert set(REQUIRED["required"]["invoice"]) <= _keys(invoices.data[0])
    with pytest.raises(stripe.InvalidRequestError) as foreign:
        _session(client, other, monthly)
    assert foreign.value.param == "line_items[0][price]"
    with pytest.raises(stripe.InvalidRequestError) as customer:
        _session(client, other, _catalog(client, other)[1], customer=sub.customer)
    assert customer.value.http_status == 404 and customer.value.param == "id"


def test_lists_page_with_has_more_and_api_subscriptions_take_prices(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    made = []
    for n in range(5):
        customer = client.v1.customers.create(params={"email": f"m{n}@example.org",
                                                      "payment_method": "pm_card_visa"},
                                              options=_on(acct))  # fmt: skip
        pm = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"},
                                            options=_on(acct)).data[0]  # fmt: skip
        client.v1.customers.update(customer.id, params={
            "invoice_settings": {"default_payment_method": pm.id}}, options=_on(acct))  # fmt: skip
        sub = client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": monthly.id}],
            "application_fee_percent": 10, "metadata": {"n": str(n)},
        }, options=_on(acct))  # fmt: skip
        assert sub.status == "active" and sub.application_fee_percent == 10
        made.append(sub.id)
    seen, after, pages = [], None, []
    while True:
        params = {"status": "all", "limit": 2} | ({"starting_after": after} if after else {})
        page = client.v1.subscriptions.list(params=params, options=_on(acct))
        pages.append(page.has_more)
        seen += [s.id for s in page.data]
        if not page.has_more:
            break
        after = page.data[-1].id
    assert seen == made[::-1] and pages == [True, True, False]
    customers = client.v1.customers.list(params={"limit": 3}, options=_on(acct))
    assert len(customers.data) == 3 and customers.has_more
    everything = list(client.v1.subscriptions.list(params={"limit": 2},
                                                   options=_on(acct)).auto_paging_iter())  # fmt: skip
    assert len(everything) == 5


def test_portal_cancel_keeps_the_period_and_the_clock_ends_it(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    start = int(time.time()) - 3600
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": start, "name": "c"},
                                                      options=_on(acct))  # fmt: skip
    assert set(REQUIRED["required"]["test_helpers.test_clock"]) <= _keys(clock)
    customer = client.v1.customers.create(params={"email": "c@example.org", "test_clock": clock.id},
                                          options=_on(acct))  # fmt: skip
    assert customer.test_clock == clock.id
    sub_id = _paid(stripe_edge, client, acct, monthly, customer=customer.id)
    sub = client.v1.subscriptions.retrieve(sub_id, options=_on(acct))
    assert sub.current_period_start == start and sub.test_clock == clock.id
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "http://blog.localhost/members/"},
        options=_on(acct),
    )
    assert portal.url == f"{stripe_edge.url}/portal/{portal.id}"
    assert set(REQUIRED["required"]["billing_portal.session"]) <= _keys(portal)
    doc = _doc(httpx.get(portal.url).text)
    assert (
        "5.00 USD" in doc.find(f".//section[@id='{sub_id}']").find(".//span[@class='price']").text
    )
    assert doc.find(f".//button[@id='cancel-{sub_id}']").text == "Cancel subscription"
    assert doc.find(".//a[@id='return']").get("href") == "http://blog.localhost/members/"
    assert doc.find(".//table[@id='invoices']//tr") is not None
    stripe_edge.take_events()
    answer = httpx.post(f"{portal.url}/cancel", data={"subscription": sub_id})
    assert answer.status_code == 303
    canceling = client.v1.subscriptions.retrieve(sub_id, options=_on(acct))
    assert canceling.cancel_at_period_end is True and canceling.status == "active"
    [queued] = stripe_edge.take_events()
    assert queued["event"]["type"] == "customer.subscription.updated"
    assert queued["event"]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    page = _doc(httpx.get(portal.url).text)
    assert "cancels on" in page.find(f".//section[@id='{sub_id}']//span[@class='cancels']").text
    assert page.find(f".//button[@id='renew-{sub_id}']").text == "Renew subscription"

    advanced = client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": sub.current_period_end + 60}, options=_on(acct)
    )
    assert advanced.status in ("advancing", "ready")
    assert (
        client.v1.test_helpers.test_clocks.retrieve(clock.id, options=_on(acct)).status == "ready"
    )
    assert _types(stripe_edge) == ["customer.subscription.deleted"]
    ended = client.v1.subscriptions.retrieve(sub_id, options=_on(acct))
    assert ended.status == "canceled" and ended.ended_at == sub.current_period_end
    assert client.v1.subscriptions.list(options=_on(acct)).data == []


def test_renewals_pay_or_go_past_due_with_card_341_and_portal_renew_undoes(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    good = _paid(stripe_edge, client, acct, monthly)
    failing = _paid(stripe_edge, client, acct, monthly, card="4000000000000341")
    kept = _paid(stripe_edge, client, acct, monthly)
    stripe_edge.portal_cancel(kept)
    assert stripe_edge.portal_renew(kept)["cancel_at_period_end"] is False
    assert client.v1.subscriptions.retrieve(failing, options=_on(acct)).status == "active"
    period_end = client.v1.subscriptions.retrieve(good, options=_on(acct)).current_period_end
    stripe_edge.take_events()
    stripe_edge.advance(account=acct, to=period_end + 60)
    by_sub: dict[str, list[str]] = {}
    for queued in stripe_edge.take_events():
        obj = queued["event"]["data"]["object"]
        by_sub.setdefault(obj.get("subscription") or obj["id"], []).append(queued["event"]["type"])
    assert by_sub[good] == by_sub[kept] == ["invoice.paid", "customer.subscription.updated"]
    assert by_sub[failing] == ["invoice.payment_failed", "customer.subscription.updated"]
    renewed = client.v1.subscriptions.retrieve(good, options=_on(acct))
    assert renewed.status == "active" and renewed.current_period_start == period_end
    late = client.v1.subscriptions.retrieve(failing, options=_on(acct))
    assert late.status == "past_due"
    open_invoice = client.v1.invoices.retrieve(late.latest_invoice, options=_on(acct))
    assert open_invoice.status == "open" and open_invoice.billing_reason == "subscription_cycle"


def test_promotion_codes_discount_checkout_and_run_out(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    _, monthly, _ = _catalog(client, acct)
    coupon = client.v1.coupons.create(params={"percent_off": 50, "duration": "forever",
                                              "name": "Half"}, options=_on(acct))  # fmt: skip
    assert coupon.name == "Half" and set(REQUIRED["required"]["coupon"]) <= _keys(coupon)
    promo = client.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "HALF",
                "max_redemptions": 1},
        options=_on(acct),
    )  # fmt: skip
    assert set(REQUIRED["required"]["promotion_code"] + REQUIRED["current"]["promotion_code"]) <= _keys(promo)  # fmt: skip
    found = client.v1.promotion_codes.list(params={"code": "HALF"}, options=_on(acct))
    assert [p.id for p in found.data] == [promo.id]
    assert client.v1.promotion_codes.retrieve(promo.id, options=_on(acct)).code == "HALF"
    with pytest.raises(stripe.InvalidRequestError) as both:
        _session(client, acct, monthly, discounts=[{"promotion_code": promo.id}],
                 allow_promotion_codes=True)  # fmt: skip
    assert both.value.param == "discounts"
    session = _session(client, acct, monthly, discounts=[{"promotion_code": promo.id}])
    assert session.amount_total == 250
    sub = client.v1.subscriptions.retrieve(stripe_edge.checkout_pay(session.id)["subscription"],
                                           options=_on(acct))  # fmt: skip
    assert sub.discount.coupon.id == coupon.id and sub.discount.promotion_code == promo.id
    paid = client.v1.invoices.retrieve(sub.latest_invoice, options=_on(acct))
    assert paid.amount_paid == 250
    assert client.v1.promotion_codes.retrieve(promo.id, options=_on(acct)).times_redeemed == 1
    with pytest.raises(stripe.InvalidRequestError) as spent:
        _session(client, acct, monthly, discounts=[{"promotion_code": promo.id}])
    assert spent.value.param == "discounts[0][promotion_code]"
    typed = _session(client, acct, monthly, allow_promotion_codes=True)
    assert _doc(httpx.get(typed.url).text).find(".//input[@name='promotion_code']") is not None
    refused = httpx.post(typed.url, data={"card": "4242424242424242", "promotion_code": "NOPE"})
    assert refused.status_code == 402 and "invalid" in refused.text


def test_deauthorize_queues_the_event_and_closes_the_account(stripe_edge):
    client = _client(stripe_edge)
    acct = _account(stripe_edge, client)
    assert client.oauth.deauthorize(params={"stripe_user_id": acct})["stripe_user_id"] == acct
    [queued] = stripe_edge.take_events()
    assert queued["event"]["type"] == "account.application.deauthorized"
    assert queued["event"]["account"] == acct
    assert queued["event"]["data"]["object"]["id"] == "ca_test_quire"
    with pytest.raises(stripe.PermissionError):
        client.v1.customers.list(options=_on(acct))


def test_events_go_to_the_target_in_order_and_failures_are_recorded(stripe_edge):
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        client = _client(stripe_edge)
        acct = _account(stripe_edge, client)
        stripe_edge.target_url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
        _paid(stripe_edge, client, acct, _catalog(client, acct)[1])
        stripe_edge.wait_delivered()
        queued = stripe_edge.take_events()
        assert [body for body, _ in received] == [q["payload"] for q in queued]
        assert [sig for _, sig in received] == [q["signature"] for q in queued]
        stripe_edge.target_url = f"http://127.0.0.1:{free_port()}/nobody"
        stripe_edge.oauth_code()
        client.oauth.deauthorize(params={"stripe_user_id": acct})
        stripe_edge.wait_delivered()
        assert "error" in stripe_edge.deliveries[-1] and stripe_edge.deliveries[-2]["status"] == 200
    finally:
        hook.shutdown()
        hook.server_close()


def test_sign_matches_stripes_scheme(stripe_edge):
    payload = '{"id": "evt_1"}'
    expected = hmac.new(b"whsec_x", f"1700000000.{payload}".encode(), hashlib.sha256).hexdigest()
    assert stripe_edge.sign(payload, "whsec_x", 1700000000) == f"t=1700000000,v1={expected}"
    header = stripe_edge.sign(payload)
    assert stripe.WebhookSignature.verify_header(payload, header, stripe_edge.connect_secret, 60)


def test_flush_forgets_everything():
    edge = LocalStripe().start()
    try:
        client = _client(edge)
        acct = _account(edge, client)
        _, monthly, _ = _catalog(client, acct)
        _paid(edge, client, acct, monthly)
        edge.flush()
        assert edge.events == [] and edge.subs == {}
        assert httpx.get(f"{edge.backend_url}/v1/customers",
                         headers={"Authorization": "Bearer sk_test_x"}).json()["data"] == []  # fmt: skip
        with pytest.raises(stripe.PermissionError):
            client.v1.prices.retrieve(monthly.id, options=_on(acct))
    finally:
        edge.close()
