"""The console's pages: the tenant page, search and filters, the dashboard, and who gets in."""

import pytest

from shared.accounts.models import Membership, User
from shared.billing import services as billing
from tenants import usage as tenant_usage
from tests.conftest import add_member, host_client
from tests.support.console import console_act, staff_client

CONSOLE = "/admin/tenants/tenant/console/"


def test_tenant_page_shows_owner_members_domains_plan_usage_and_fleet(make_blog, password):
    alpha = make_blog("alpha")
    author = add_member(alpha, Membership.Role.AUTHOR)
    tenant_usage.usage_refresh(schema_name=alpha.schema_name)
    client = staff_client(password)
    billing.subscription_plan_set(
        tenant_id=alpha.id, plan_code="pro", actor=User.objects.get(is_staff=True)
    )
    body = client.get(f"/admin/tenants/tenant/{alpha.pk}/change/").content.decode()
    assert alpha.owner.email in body and author.email in body
    assert "alpha.localhost" in body
    assert "Pro · Active" in body
    assert "0 published of 0 posts · 2 members" in body
    assert "Last fleet migration" in body
    assert "billing.plan_set_by_staff" in body


def test_search_by_owner_email_and_filter_by_status(make_blog, password):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    client = staff_client(password)
    found = client.get("/admin/tenants/tenant/", {"q": bravo.owner.email}).content.decode()
    assert "bravo.localhost" in found and "alpha.localhost" not in found
    console_act(client, "suspend", alpha)
    found = client.get("/admin/tenants/tenant/", {"status__exact": "suspended"}).content.decode()
    assert "alpha.localhost" in found and "bravo.localhost" not in found


def test_the_list_page_query_count_does_not_grow_with_blogs(
    make_blog, password, django_assert_max_num_queries
):
    for sub in ("alpha", "bravo", "charlie", "delta"):
        make_blog(sub)
    client = staff_client(password)
    with django_assert_max_num_queries(15):
        assert client.get("/admin/tenants/tenant/").status_code == 200


def test_dashboard_draws_the_charts_for_staff(make_blog, password):
    alpha, _ = make_blog("alpha"), make_blog("bravo")
    staff = staff_client(password)
    billing.subscription_plan_set(
        tenant_id=alpha.id, plan_code="pro", actor=User.objects.get(is_staff=True)
    )
    response = staff.get(CONSOLE)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<figure class="chart">') == 5  # with reader views (analytics)
    assert "Signups per day" in body and "Blogs by plan" in body
    assert "Reader views per day" in body
    assert "Monthly recurring revenue:</strong> $9.00" in body
    assert "Pro: 1" in body and "Free: 1" in body
    assert "Failed migrations:</strong>" in body and "Spare-schema pool:</strong> 0" in body


def test_dashboard_counts_failed_migrations(tenant, password):
    from tenants.models import SchemaMigration

    SchemaMigration.objects.update_or_create(  # provisioning recorded it as up to date
        schema_name=tenant.schema_name,
        defaults={"tenant": tenant, "run_id": "r1", "status": "failed", "error": "boom"},
    )
    staff = staff_client(password)
    body = staff.get(CONSOLE).content.decode()
    assert '?status__exact=failed">1</a>' in body
    assert "Failed: 1" in body
    page = staff.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert "Failed · 0 migration(s) applied" in page and "boom" in page


@pytest.mark.parametrize("path", [CONSOLE, "/admin/tenants/tenant/", "/admin/billing/auditlog/"])
def test_non_staff_get_nothing_from_the_console_on_any_host(tenant, password, path):
    # Root domain: a logged-in blogger is sent to the admin login, nothing is shown.
    client = host_client("localhost")
    assert client.login(email=tenant.owner.email, password=password)
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert host_client("localhost").get(path).status_code == 302
    # Blog hosts have no console at all, for anyone (staff included).
    owner = host_client(tenant)
    owner.post("/accounts/login/", {"login": tenant.owner.email, "password": password})
    assert owner.get(path).status_code == 404
    staff = staff_client(password)
    staff_on_blog = host_client(tenant)
    staff_on_blog.cookies = staff.cookies
    assert staff_on_blog.get(path).status_code == 404


def test_non_staff_cannot_run_actions(tenant, password):
    client = host_client("localhost")
    client.login(email=tenant.owner.email, password=password)
    client.post(
        "/admin/tenants/tenant/", {"action": "soft_delete", "_selected_action": [tenant.pk]}
    )
    tenant.refresh_from_db()
    assert tenant.status == "active"
