"""The `bench` blog of bench/read_seed.py on the Business plan (no publish limit), its Content
API key and a fresh owner's token for the Admin API. Run via bench/api.py."""

import json

from allauth.account.models import EmailAddress

from api import services as api_services
from bench.read_seed import seed as read_seed
from shared.accounts.models import User
from shared.billing import services as billing_services
from tenants.context import tenant_context
from tenants.models import Tenant


def seed() -> None:
    read_seed()
    tenant = Tenant.objects.get(subdomain="bench")
    staff = User.objects.filter(email="bench-staff@example.org").first() or (
        User.objects.create_user(email="bench-staff@example.org", password="x", is_staff=True)
    )
    billing_services.subscription_plan_set(tenant_id=tenant.id, plan_code="business", actor=staff)
    owner = User.objects.get(email="bench@example.org")
    # Publishing needs an owner with a confirmed address.
    EmailAddress.objects.update_or_create(
        user=owner, email=owner.email, defaults={"verified": True, "primary": True}
    )
    with tenant_context(tenant):
        key = api_services.content_api_config().content_key
        _row, token = api_services.token_create(tenant_id=tenant.id, user=owner, name="bench")
    print(json.dumps({"key": key, "token": token}))
