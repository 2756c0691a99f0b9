"""A staff action on one blog changes nothing about any other blog."""

import pytest

from shared.billing.models import Subscription
from shared.billing.services import subscription_get_or_create
from shared.console.models import AuditLog
from tenants import schemas
from tenants.models import Tenant
from tests.conftest import host_client
from tests.support.console import console_act, staff_client


def snapshot(tenant) -> dict:
    row = Tenant.objects.values("name", "status", "deleted_at").get(pk=tenant.pk)
    sub = Subscription.objects.values(
        "plan__code", "status", "trial_end", "stripe_subscription_id", "updated_at"
    ).get(tenant=tenant)
    return (
        row
        | sub
        | {
            "audit": AuditLog.objects.filter(tenant=tenant).count(),
            "schema": schemas.schema_exists(tenant.schema_name),
            "home": host_client(tenant).get("/").status_code,
        }
    )


@pytest.mark.parametrize(
    "action, extra",
    [
        ("suspend", {}),
        ("reactivate", {}),
        ("change_plan", {"plan": "business"}),
        ("rerun_migrations", {}),
        ("rebuild_search", {}),
        ("soft_delete", {}),
        ("undelete", {}),
    ],
)
def test_a_staff_action_on_one_blog_changes_no_other(
    make_blog, password, settings, tmp_path, action, extra
):
    settings.TENANT_EXPORT_DIR = tmp_path
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    for tenant in (alpha, bravo):
        subscription_get_or_create(tenant_id=tenant.id)
    client = staff_client(password)
    if action == "undelete":
        console_act(client, "soft_delete", alpha)
    before = snapshot(bravo)
    response = console_act(client, action, alpha, **extra)
    assert response.status_code == 302
    assert AuditLog.objects.filter(tenant=alpha).exists()
    assert snapshot(bravo) == before
