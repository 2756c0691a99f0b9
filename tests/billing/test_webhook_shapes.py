"""Correctly signed bodies that are not well-formed Stripe events: a 400 and no change.

A signature proves who sent a body, not that the body is sound; each case below used to
reach the handlers and answer 500. The property test signs random JSON (and random events
with random values in the fields the handlers read)."""

import json
import logging
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.billing.models import Subscription, WebhookEvent
from tests.billing.conftest import stripe_event, stripe_signature, webhook_post

pytestmark = pytest.mark.usefixtures("stripe_settings")


def changed_nothing(tenant) -> bool:
    sub = Subscription.objects.filter(tenant=tenant).first()
    return not WebhookEvent.objects.exists() and (sub is None or sub.plan.code == "free")


def valid(tenant, **fields):
    obj = {"id": "sub_1", "customer": "cus_1", "status": "active",
           "metadata": {"tenant_id": str(tenant.id), "plan": "pro"}}  # fmt: skip
    return stripe_event("customer.subscription.updated", obj) | fields


@pytest.mark.parametrize(
    "body",
    [
        "[1,2]",
        "[]",
        "null",
        '"event"',
        "7",
        {"created": "yesterday"},
        {"created": 10**20},
        {"created": -1},
        {"created": True},
        {"created": "AN HOUR AHEAD"},  # made at run time (collection must be the same)
        {"type": "invoice.paid", "data": {"object": "x"}},
        {"data": []},
        {"id": "e" * 5000},
        {"id": ""},
        {"id": 5},
        {"type": ["invoice.paid"]},
    ],
    ids=lambda body: repr(body)[:40],
)
def test_a_signed_malformed_event_is_refused_and_changes_nothing(tenant, body, caplog):
    if body == {"created": "AN HOUR AHEAD"}:
        body = {"created": int(time.time()) + 3600}
    payload = body if isinstance(body, str) else json.dumps(valid(tenant, **body))
    with caplog.at_level(logging.WARNING, logger="shared.billing.views"):
        response = webhook_post(payload)
    assert response.status_code == 400, response.content
    assert "not a Stripe event" in response.content.decode()
    assert "Stripe webhook refused" in caplog.text
    assert changed_nothing(tenant)


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", ["active"]),
        ("metadata", "tenant"),
        ("metadata", {"plan": ["pro"]}),
        ("trial_end", "soon"),
        ("trial_end", 10**20),
        ("customer", {"id": "cus_1"}),
        ("items", {"data": [{"price": {"id": 7}}]}),
        ("items", {"data": "x"}),
    ],
)
def test_a_field_of_the_wrong_type_inside_the_object_is_refused(tenant, field, value):
    event = valid(tenant)
    event["data"]["object"][field] = value
    response = webhook_post(event)
    assert response.status_code == 400, response.content
    assert f"the event.data.object.{field}" in response.content.decode()
    assert changed_nothing(tenant)


def test_a_signature_from_the_future_is_refused(tenant):
    payload = json.dumps(valid(tenant))
    # 30 s past the 300 s tolerance: int() and the time to the check stay far inside that.
    ahead = stripe_signature(payload, timestamp=int(time.time()) + 330)
    response = webhook_post(payload, signature=ahead)
    assert response.status_code == 400
    assert "future" in response.content.decode()
    assert changed_nothing(tenant)
    # Within the tolerance (a clock a little ahead) it is taken.
    near = stripe_signature(payload, timestamp=int(time.time()) + 60)
    assert webhook_post(payload, signature=near).status_code == 200


def test_a_well_formed_event_still_applies(tenant):
    response = webhook_post(valid(tenant))
    assert response.status_code == 200 and response.json() == {"outcome": "applied"}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_TYPES = ["checkout.session.completed", "customer.subscription.created",
          "customer.subscription.updated", "customer.subscription.deleted",
          "invoice.paid", "invoice.payment_failed"]  # fmt: skip
_FIELDS = ["id", "customer", "subscription", "client_reference_id", "status", "metadata",
           "trial_end", "current_period_end", "amount_paid", "items", "lines",
           "parent"]  # fmt: skip


@st.composite
def _events(draw, tenant_id: int):
    obj = {"metadata": {"tenant_id": str(tenant_id), "plan": "pro"}}
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=4)):
        obj[name] = draw(_json)
    event = {"id": draw(st.text(min_size=1, max_size=300)), "type": draw(st.sampled_from(_TYPES)),
             "created": draw(st.integers() | _json), "data": {"object": obj}}  # fmt: skip
    if draw(st.booleans()):
        event[draw(st.sampled_from(["data", "id", "type", "created"]))] = draw(_json)
    return event


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_signed_json_gets_200_or_400_never_500(tenant, data):
    body = data.draw(st.one_of(_json, _events(tenant.id)))
    response = webhook_post(json.dumps(body))
    assert response.status_code in (200, 400), (body, response.content[:300])
    if response.status_code == 400:
        assert response.content  # a reason, not an empty page
