"""Every staff action in the console: it does what it says to the chosen blog only, and is
audited (who, what, before, after)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from blog.models import Post
from shared.billing.models import Subscription
from shared.console.models import AuditLog
from tenants import lifecycle, schemas
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.routing import host_resolve
from tests.conftest import host_client
from tests.support.console import console_act, staff_client

URL = "/admin/tenants/tenant/"


@pytest.fixture
def blogs(make_blog):
    return make_blog("alpha"), make_blog("bravo")


@pytest.fixture
def staff(password):
    return staff_client(password)


@pytest.fixture(autouse=True)
def _exports(settings, tmp_path):
    settings.TENANT_EXPORT_DIR = tmp_path / "exports"


def act(client, action, *tenants, **extra):
    return console_act(client, action, *tenants, follow=True, **extra)


def status_of(tenant):
    return Tenant.objects.get(pk=tenant.pk).status


def test_suspend_and_reactivate_are_audited(blogs, staff):
    alpha, bravo = blogs
    act(staff, "suspend", alpha)
    act(staff, "reactivate", alpha)
    actions = list(
        AuditLog.objects.order_by("id").values_list("action", "actor_label", "tenant_id")
    )
    assert actions == [
        ("tenant.suspend", "staff@example.org", alpha.id),
        ("tenant.reactivate", "staff@example.org", alpha.id),
    ]
    first = AuditLog.objects.order_by("id").first()
    assert first.before["status"] == "active" and first.after["status"] == "suspended"
    assert not AuditLog.objects.filter(tenant=bravo).exists()


def test_change_plan_moves_only_the_chosen_blog(blogs, staff):
    alpha, bravo = blogs
    response = act(staff, "change_plan", alpha, plan="business")
    assert "Moved 1 blog(s) to Business" in response.content.decode()
    assert Subscription.objects.get(tenant=alpha).plan.code == "business"
    assert Subscription.objects.filter(tenant=bravo, plan__code="business").count() == 0
    entry = AuditLog.objects.get(tenant=alpha)
    assert entry.action == "billing.plan_set_by_staff"
    assert (entry.before["plan"], entry.after["plan"]) == ("free", "business")
    assert entry.actor.email == "staff@example.org"
    listing = staff.get(URL, {"plan": "business"}).content.decode()
    assert "alpha.localhost" in listing and "bravo.localhost" not in listing
    listing = staff.get(URL, {"plan": "free"}).content.decode()
    assert "bravo.localhost" in listing and "alpha.localhost" not in listing


def test_change_plan_without_a_plan_asks_for_one(blogs, staff):
    response = act(staff, "change_plan", blogs[0])
    assert "Choose a plan" in response.content.decode()
    assert not AuditLog.objects.exists()


def test_rebuild_search_queues_the_sweep_for_that_schema_only(
    blogs, staff, django_capture_on_commit_callbacks
):
    alpha, _bravo = blogs
    with django_capture_on_commit_callbacks() as callbacks:
        act(staff, "rebuild_search", alpha)
    assert len(callbacks) == 1  # the rebuild is queued after commit
    entry = AuditLog.objects.get()
    assert entry.action == "tenant.search_rebuild" and entry.after == {
        "queued": [alpha.schema_name],
        "reason": "Spam reported by readers",
    }


def test_delete_takes_the_blog_offline_and_keeps_an_export(blogs, staff, settings):
    alpha, bravo = blogs
    with tenant_context(alpha):
        Post.objects.create(title="Keep me", slug="keep-me", body="words", status="published")
    assert host_client(alpha).get("/keep-me/").status_code == 200
    act(staff, "soft_delete", alpha)
    alpha.refresh_from_db()
    assert alpha.status == "deleted" and alpha.deleted_at is not None
    assert host_client(alpha).get("/").status_code == 404
    assert host_client(alpha).get("/keep-me/").status_code == 404
    assert host_client(bravo).get("/").status_code == 200
    assert status_of(bravo) == "active"
    [export] = Path(settings.TENANT_EXPORT_DIR).glob(f"{alpha.schema_name}-*.json")
    document = json.loads(export.read_text())
    assert document["tenant"]["subdomain"] == "alpha"
    assert [p["title"] for p in document["posts"]] == ["Keep me"]
    assert schemas.schema_exists(alpha.schema_name)
    entry = AuditLog.objects.get(action="tenant.delete")
    assert entry.tenant_id == alpha.id and entry.after["export"] == str(export)


def test_undelete_within_the_grace_period_brings_the_blog_back(blogs, staff):
    alpha, _ = blogs
    act(staff, "soft_delete", alpha)
    act(staff, "undelete", alpha)
    assert status_of(alpha) == "active"
    assert host_client(alpha).get("/").status_code == 200
    assert AuditLog.objects.filter(action="tenant.undelete", tenant=alpha).count() == 1


def test_undelete_after_the_grace_period_is_refused(blogs, staff, settings):
    alpha, _ = blogs
    act(staff, "soft_delete", alpha)
    Tenant.objects.filter(pk=alpha.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.TENANT_DELETE_GRACE_DAYS + 1)
    )
    response = act(staff, "undelete", alpha)
    assert "restore it from its export" in response.content.decode()
    assert status_of(alpha) == "deleted"


def test_a_deleted_blog_cannot_be_reactivated_by_mistake(blogs, staff):
    alpha, _ = blogs
    act(staff, "soft_delete", alpha)
    response = act(staff, "reactivate", alpha)
    assert "undelete it first" in response.content.decode()
    assert status_of(alpha) == "deleted"


def test_purge_drops_only_blogs_past_the_grace_period(make_blog, settings):
    old, recent, live = make_blog("old"), make_blog("recent"), make_blog("live")
    for tenant, days in ((old, 31), (recent, 29)):
        Tenant.objects.filter(pk=tenant.pk).update(
            status="deleted", deleted_at=timezone.now() - timedelta(days=days)
        )
    settings.TENANT_DELETE_GRACE_DAYS = 30
    assert lifecycle.tenants_purge() == 1
    assert not Tenant.objects.filter(pk=old.pk).exists()
    assert not schemas.schema_exists(old.schema_name)
    assert schemas.schema_exists(recent.schema_name) and schemas.schema_exists(live.schema_name)
    assert set(Tenant.objects.values_list("subdomain", flat=True)) == {"recent", "live"}
    entry = AuditLog.objects.get(action="tenant.purge")
    assert entry.tenant_id is None and entry.tenant_label.startswith("old ")
    assert host_client(old).get("/").status_code == 404


def test_audit_log_is_visible_but_never_editable(blogs, staff):
    act(staff, "suspend", blogs[0])
    entry = AuditLog.objects.get()
    assert "tenant.suspend" in staff.get("/admin/console/auditlog/").content.decode()
    page = staff.get(f"/admin/console/auditlog/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    staff.post(f"/admin/console/auditlog/{entry.pk}/change/", {"action": "x"})
    assert (
        staff.post(f"/admin/console/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert staff.get("/admin/console/auditlog/add/").status_code == 403
    assert AuditLog.objects.get().action == "tenant.suspend"


def test_renaming_a_blog_is_audited_and_shows_at_once(blogs, staff):
    alpha, _ = blogs
    assert host_resolve("alpha.localhost").tenant.name == "Alpha"  # the route is now cached
    reader = host_client(alpha)
    reader.get("/")
    assert reader.get("/")["X-Cache"] == "hit" and b"Alpha" in reader.get("/").content
    change = f"{URL}{alpha.pk}/change/"
    data = {"name": "Alpha Renamed", "domains-TOTAL_FORMS": "1", "domains-INITIAL_FORMS": "1",
            "domains-MIN_NUM_FORMS": "0", "domains-MAX_NUM_FORMS": "1000",
            "domains-0-id": alpha.domains.get().pk, "domains-0-tenant": alpha.pk,
            "domains-0-domain": "alpha.localhost", "domains-0-is_primary": "on"}  # fmt: skip
    response = staff.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLog.objects.get(action="tenant.edit")
    assert entry.before == {"name": "Alpha"} and entry.after == {"name": "Alpha Renamed"}
    assert host_resolve("alpha.localhost").tenant.name == "Alpha Renamed"
    assert b"Alpha Renamed" in reader.get("/").content  # cached pages were retired too


def test_rerun_migrations_queues_only_a_schema_that_is_behind(
    blogs, staff, django_capture_on_commit_callbacks
):
    from tenants.models import SchemaMigration
    from tests.tenants.fleet_helpers import unapply_newest_blog_migration

    alpha, bravo = blogs
    response = act(staff, "rerun_migrations", alpha)
    assert "Queued migrations for 0 blog(s); 1 already up to date" in response.content.decode()
    assert AuditLog.objects.get().after == {
        "run_id": None,
        "queued": [],
        "reason": "Spam reported by readers",
    }

    # Changed by hand (its recorded fingerprint still says up to date): staff reruns read it.
    unapply_newest_blog_migration(alpha.schema_name, forget_state=False)
    with django_capture_on_commit_callbacks() as callbacks:
        response = act(staff, "rerun_migrations", alpha, bravo)
    assert "Queued migrations for 1 blog(s); 1 already up to date" in response.content.decode()
    assert len(callbacks) == 1
    assert list(
        SchemaMigration.objects.exclude(status="done").values_list("schema_name", "status")
    ) == [(alpha.schema_name, "pending")]
    entry = AuditLog.objects.filter(tenant=alpha).latest("id")
    assert entry.action == "tenant.migrations_rerun" and entry.after["queued"] == [
        alpha.schema_name
    ]
    page = staff.get(f"{URL}{alpha.pk}/change/").content.decode()
    assert "Pending · 0 migration(s) applied" in page
