"""The owner's billing page on the blog's host, and Stripe Checkout against a fake Stripe."""

from shared.accounts.models import Membership
from shared.billing.models import Subscription
from tests.conftest import add_member, host_client


def test_without_stripe_keys_the_page_says_billing_is_not_set_up(owner_client, tenant):
    response = owner_client.get("/dashboard/billing/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Billing is not set up" in body
    assert "Free" in body and "Pro" in body and "Business" in body
    assert "Upgrade to" not in body
    assert Subscription.objects.get(tenant=tenant).plan.code == "free"


def test_checkout_without_keys_changes_nothing(owner_client, tenant):
    response = owner_client.post("/dashboard/billing/checkout/", {"plan": "pro"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/billing/"
    assert "Billing is not set up" in owner_client.get("/dashboard/billing/").content.decode()


def test_only_the_owner_sees_billing(tenant, password):
    assert host_client(tenant).get("/dashboard/billing/").status_code == 302  # to log in
    editor = add_member(tenant, Membership.Role.EDITOR)
    client = host_client(tenant)
    assert (
        client.post("/accounts/login/", {"login": editor.email, "password": password}).status_code
        == 302
    )
    assert client.get("/dashboard/billing/").status_code == 403
    assert client.post("/dashboard/billing/checkout/", {"plan": "pro"}).status_code == 403


def test_owner_of_another_blog_gets_nothing_here(tenant, other_tenant, password):
    client = host_client(tenant)
    client.post("/accounts/login/", {"login": other_tenant.owner.email, "password": password})
    response = client.get("/dashboard/billing/")
    assert response.status_code in (302, 403)


def test_checkout_goes_to_stripe_with_the_plan_trial_and_blog(owner_client, tenant, fake_stripe):
    page = owner_client.get("/dashboard/billing/").content.decode()
    assert "Upgrade to Pro" in page and "Upgrade to Business" in page
    response = owner_client.post("/dashboard/billing/checkout/", {"plan": "pro"})
    assert response.status_code == 302 and response["Location"] == "https://pay.example/cs_1"
    [request] = fake_stripe.requests
    form = request["form"]
    assert request["path"] == "/v1/checkout/sessions"
    assert request["auth"] == "Bearer sk_test_quire"
    assert form["mode"] == ["subscription"]
    assert form["line_items[0][price]"] == ["price_pro_test"]
    assert form["client_reference_id"] == [str(tenant.id)]
    assert form["subscription_data[metadata][tenant_id]"] == [str(tenant.id)]
    assert form["subscription_data[trial_period_days]"] == ["14"]
    assert form["subscription_data[metadata][trial]"] == ["1"]  # the webhook knows
    assert form["customer_email"] == [tenant.owner.email]
    assert form["success_url"] == ["http://alpha.localhost/dashboard/billing/?checkout=done"]
    # Nothing changes until Stripe's webhook confirms the payment.
    assert Subscription.objects.get(tenant=tenant).plan.code == "free"


def test_a_stripe_error_is_shown_and_changes_nothing(owner_client, tenant, fake_stripe):
    fake_stripe.reply = (
        400,
        {"error": {"type": "invalid_request_error", "message": "No such price"}},
    )
    response = owner_client.post("/dashboard/billing/checkout/", {"plan": "pro"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/billing/"
    page = owner_client.get("/dashboard/billing/").content.decode()
    assert "Stripe did not start the checkout" in page
    assert Subscription.objects.get(tenant=tenant).plan.code == "free"


def test_free_cannot_be_bought(owner_client, fake_stripe):
    owner_client.post("/dashboard/billing/checkout/", {"plan": "free"})
    assert fake_stripe.requests == []
    assert "cannot be bought online" in owner_client.get("/dashboard/billing/").content.decode()


def test_the_owner_manages_card_and_cancels_in_stripes_portal(owner_client, tenant, fake_stripe):
    from shared.billing.services import subscription_get_or_create

    assert (
        "/dashboard/billing/portal/" not in owner_client.get("/dashboard/billing/").content.decode()
    )
    sub = subscription_get_or_create(tenant_id=tenant.id)
    sub.stripe_customer_id = "cus_42"
    sub.save()
    assert "/dashboard/billing/portal/" in owner_client.get("/dashboard/billing/").content.decode()
    fake_stripe.reply = (
        200,
        {"id": "bps_1", "object": "billing_portal.session", "url": "https://pay.example/portal"},
    )
    response = owner_client.post("/dashboard/billing/portal/")
    assert response.status_code == 302 and response["Location"] == "https://pay.example/portal"
    [request] = fake_stripe.requests
    assert request["path"] == "/v1/billing_portal/sessions"
    assert request["form"]["customer"] == ["cus_42"]
    assert request["form"]["return_url"] == ["http://alpha.localhost/dashboard/billing/"]
