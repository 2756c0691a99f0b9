"""Signed deliveries to the real endpoint: good, bad, too old, replayed, duplicated, late."""

import json
import time

import pytest

from shared.billing.models import Subscription, WebhookEvent
from shared.billing.services import subscription_get_or_create
from shared.console.models import AuditLog
from tests.billing.conftest import (
    PRICE_BUSINESS,
    stripe_event,
    stripe_signature,
    subscription_object,
    webhook_post,
)
from tests.conftest import host_client

pytestmark = pytest.mark.usefixtures("stripe_settings")


def sub_of(tenant) -> Subscription:
    return Subscription.objects.select_related("plan").get(tenant=tenant)


def checkout_completed(tenant, *, trial=True, **kwargs):
    metadata = {"tenant_id": str(tenant.id), "plan": "pro"} | ({"trial": "1"} if trial else {})
    obj = {
        "id": "cs_1",
        "object": "checkout.session",
        "client_reference_id": str(tenant.id),
        "customer": "cus_1",
        "subscription": "sub_1",
        "metadata": metadata,
    }
    return stripe_event("checkout.session.completed", obj, **kwargs)


def test_a_returning_customer_without_a_trial_is_active_at_once(tenant):
    # Paid at checkout; the invoice.paid event may arrive late (or be ignored as older).
    response = webhook_post(checkout_completed(tenant, trial=False))
    assert response.status_code == 200
    sub = sub_of(tenant)
    assert (sub.plan.code, sub.status, sub.trial_end) == ("pro", "active", None)


def test_checkout_completed_starts_the_paid_plans_trial(
    tenant, other_tenant, mailoutbox, django_capture_on_commit_callbacks
):
    subscription_get_or_create(tenant_id=other_tenant.id)
    with django_capture_on_commit_callbacks(execute=True):
        response = webhook_post(checkout_completed(tenant))
    assert response.status_code == 200 and response.json() == {"outcome": "applied"}
    sub = sub_of(tenant)
    assert (sub.plan.code, sub.status) == ("pro", "trialing")
    assert 13.9 < (sub.trial_end.timestamp() - time.time()) / 86400 <= 14
    assert (sub.stripe_customer_id, sub.stripe_subscription_id) == ("cus_1", "sub_1")
    assert WebhookEvent.objects.get().outcome == "applied"
    audit = AuditLog.objects.get(tenant=tenant)
    assert audit.actor_label == "stripe" and audit.after["plan"] == "pro"
    [mail] = mailoutbox
    assert mail.to == [tenant.owner.email] and "alpha.localhost/dashboard/billing/" in mail.body
    # Isolation: the other blog is untouched.
    assert (sub_of(other_tenant).plan.code, sub_of(other_tenant).status) == ("free", "active")


def test_bad_signature_is_refused_and_changes_nothing(tenant):
    event = checkout_completed(tenant)
    payload = json.dumps(event)
    for signature in (
        stripe_signature(payload, secret="whsec_wrong"),
        stripe_signature(payload + " "),
        "",
        "garbage",
    ):
        response = webhook_post(payload, signature=signature)
        assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert not Subscription.objects.filter(tenant=tenant, plan__code="pro").exists()


def test_an_event_signed_too_long_ago_is_refused(tenant):
    payload = json.dumps(checkout_completed(tenant))
    old = stripe_signature(payload, timestamp=int(time.time()) - 301)
    assert webhook_post(payload, signature=old).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_replayed_delivery_changes_nothing(tenant):
    payload = json.dumps(checkout_completed(tenant))
    signature = stripe_signature(payload)
    assert webhook_post(payload, signature=signature).json() == {"outcome": "applied"}
    sub = sub_of(tenant)
    sub.status = Subscription.Status.ACTIVE  # moved on since
    sub.save()
    again = webhook_post(payload, signature=signature)
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate"}
    assert sub_of(tenant).status == "active"
    assert WebhookEvent.objects.count() == 1
    assert AuditLog.objects.filter(tenant=tenant).count() == 1


def test_a_duplicated_event_id_is_applied_once(tenant):
    first = stripe_event("invoice.payment_failed", {"subscription": "sub_1"}, event_id="evt_dup")
    webhook_post(checkout_completed(tenant))
    assert webhook_post(first).json() == {"outcome": "applied"}
    assert sub_of(tenant).status == "past_due"
    # Stripe redelivers the same event id (new signature, same content after a fix-up).
    paid = stripe_event("invoice.paid", {"subscription": "sub_1", "amount_paid": 900},
                        event_id="evt_dup")  # fmt: skip
    assert webhook_post(paid).json() == {"outcome": "duplicate"}
    assert sub_of(tenant).status == "past_due"


def test_out_of_order_events_cannot_roll_the_subscription_back(tenant):
    now = int(time.time())
    newer = stripe_event(
        "customer.subscription.updated",
        subscription_object(tenant, status="active", price=PRICE_BUSINESS),
        created=now,
    )
    older = stripe_event(
        "customer.subscription.updated",
        subscription_object(tenant, status="trialing", trial_end=now + 86400),
        created=now - 60,
    )
    assert webhook_post(newer).json() == {"outcome": "applied"}
    assert webhook_post(older).json() == {"outcome": "stale"}
    sub = sub_of(tenant)
    assert (sub.plan.code, sub.status, sub.trial_end) == ("business", "active", None)
    assert sub.current_period_end.timestamp() == 1_900_000_000
    assert WebhookEvent.objects.get(outcome="stale").tenant_id == tenant.id


def test_payment_failed_then_paid(tenant, mailoutbox, django_capture_on_commit_callbacks):
    webhook_post(stripe_event("customer.subscription.created", subscription_object(tenant)))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_post(stripe_event("invoice.payment_failed", {"subscription": "sub_1"}))
    sub = sub_of(tenant)
    assert sub.status == "past_due" and sub.past_due_since is not None
    assert "Payment failed" in mailoutbox[-1].subject
    invoice = {
        "subscription": "sub_1",
        "amount_paid": 900,
        "lines": {"data": [{"price": {"id": "price_pro_test"}, "period": {"end": 1_950_000_000}}]},
    }
    webhook_post(stripe_event("invoice.paid", invoice))
    sub = sub_of(tenant)
    assert (sub.plan.code, sub.status, sub.past_due_since) == ("pro", "active", None)
    assert sub.current_period_end.timestamp() == 1_950_000_000


def test_the_zero_invoice_that_opens_a_trial_keeps_it_trialing(tenant):
    webhook_post(checkout_completed(tenant))
    webhook_post(stripe_event("invoice.paid", {"subscription": "sub_1", "amount_paid": 0}))
    assert sub_of(tenant).status == "trialing"


def test_subscription_deleted_goes_back_to_free(
    tenant, mailoutbox, django_capture_on_commit_callbacks
):
    webhook_post(stripe_event("customer.subscription.created", subscription_object(tenant)))
    with django_capture_on_commit_callbacks(execute=True):
        deleted = stripe_event(
            "customer.subscription.deleted", subscription_object(tenant, status="canceled")
        )
        assert webhook_post(deleted).json() == {"outcome": "applied"}
    sub = sub_of(tenant)
    assert (sub.plan.code, sub.status, sub.stripe_subscription_id) == ("free", "canceled", "")
    assert "Nothing was deleted" in mailoutbox[-1].body


def test_events_about_another_stripe_subscription_are_ignored(tenant):
    webhook_post(stripe_event("customer.subscription.created", subscription_object(tenant)))
    old = stripe_event(
        "customer.subscription.deleted", subscription_object(tenant, sub_id="sub_old")
    )
    assert webhook_post(old).json() == {"outcome": "ignored"}
    assert sub_of(tenant).plan.code == "pro"


def test_unknown_types_and_unknown_blogs_are_recorded_and_ignored(tenant):
    assert webhook_post(stripe_event("customer.created", {"id": "cus_9"})).json() == {
        "outcome": "ignored"
    }
    stray = stripe_event(
        "invoice.payment_failed", {"subscription": "sub_nobody", "customer": "cus_x"}
    )
    assert webhook_post(stray).json() == {"outcome": "ignored"}
    assert WebhookEvent.objects.count() == 2
    assert not Subscription.objects.filter(status="past_due").exists()


def test_the_webhook_is_only_on_the_root_domain_and_only_post(tenant):
    assert host_client("localhost").get("/billing/stripe/webhook/").status_code == 405
    payload = json.dumps(checkout_completed(tenant))
    response = host_client(tenant).post(
        "/billing/stripe/webhook/", data=payload, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload),
    )  # fmt: skip
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_without_a_webhook_secret_every_delivery_is_refused(tenant, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert webhook_post(checkout_completed(tenant)).status_code == 400
    assert not WebhookEvent.objects.exists()
