"""Staff actions ask first: a confirmation page, a reason (required to suspend or delete)
that lands in the audit log and the owner's email; the blog's page links to the blog and has
the action buttons that fit its status; the admin index links to the charts."""

import html5lib
import pytest
from django.core import mail

from shared.console.models import AuditLog
from tenants import lifecycle
from tenants.models import Tenant
from tests.support.console import ACTIONS_URL, console_act, staff_client


@pytest.fixture(autouse=True)
def _exports(settings, tmp_path):
    settings.TENANT_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def staff(db, password):
    return staff_client(password)


def status_of(tenant):
    return Tenant.objects.get(pk=tenant.pk).status


def parse(response):
    return html5lib.parse(response.content.decode(), namespaceHTMLElements=False)


@pytest.mark.parametrize("action, done", [("suspend", "suspended"), ("soft_delete", "deleted")])
def test_picking_the_action_only_asks_and_a_reason_is_required(
    make_blog, staff, action, done, django_capture_on_commit_callbacks
):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    page = staff.post(ACTIONS_URL, {"action": action, "_selected_action": [alpha.pk]})
    assert page.status_code == 200
    doc = parse(page)
    assert doc.find(".//textarea[@name='reason']") is not None
    assert "alpha" in page.content.decode() and "bravo" not in page.content.decode()
    assert status_of(alpha) == "active" and not AuditLog.objects.exists()

    # Confirming without a reason changes nothing and says why.
    empty = {"action": action, "_selected_action": [alpha.pk], "confirm": "yes", "reason": " "}
    again = staff.post(ACTIONS_URL, empty)
    assert again.status_code == 200 and "This field is required" in again.content.decode()
    assert status_of(alpha) == "active" and not AuditLog.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = console_act(staff, action, alpha, reason="Phishing pages, ticket #4411")
    assert response.status_code == 302
    assert status_of(alpha) == done and status_of(bravo) == "active"
    entry = AuditLog.objects.get()
    assert entry.tenant_id == alpha.id and entry.after["reason"] == "Phishing pages, ticket #4411"
    (email,) = mail.outbox
    assert email.to == [alpha.owner.email]
    assert "Phishing pages, ticket #4411" in email.body and alpha.name in email.subject


def test_services_refuse_suspend_or_delete_without_a_reason(tenant, staff):
    staff_user = None  # the reason is checked before anything is written
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.tenant_status_change(
            tenant=tenant, status=Tenant.Status.SUSPENDED, actor=staff_user, reason=""
        )
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.tenant_soft_delete(tenant=tenant, actor=staff_user, reason="   ")
    assert status_of(tenant) == "active" and not AuditLog.objects.exists()


def test_the_admin_index_links_to_the_charts(staff):
    doc = parse(staff.get("/admin/"))
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert "/admin/tenants/tenant/console/" in hrefs
    assert staff.get("/admin/tenants/tenant/console/").status_code == 200


def test_the_blog_page_links_to_the_blog_and_offers_the_actions_for_its_status(make_blog, staff):
    alpha = make_blog("alpha")
    doc = parse(staff.get(f"/admin/tenants/tenant/{alpha.pk}/change/"))
    link = [a for a in doc.iter("a") if a.get("href") == "http://alpha.localhost/"]
    assert link and link[0].get("target") == "_blank" and "noopener" in link[0].get("rel")
    buttons = {
        form.find(".//input[@name='action']").get("value")
        for form in doc.iter("form")
        if form.find(".//input[@name='from_change']") is not None
    }
    assert buttons == {
        "suspend", "change_plan", "rerun_migrations", "rebuild_search", "soft_delete"
    }  # fmt: skip

    # A button goes through the same confirmation, then back to the blog's page.
    chosen = {"action": "suspend", "_selected_action": [alpha.pk], "from_change": "1"}
    page = staff.post(ACTIONS_URL, chosen)
    assert page.status_code == 200 and status_of(alpha) == "active"
    assert parse(page).find(".//input[@name='from_change']") is not None
    done = staff.post(ACTIONS_URL, chosen | {"confirm": "yes", "reason": "Chargeback"})
    assert done.status_code == 302
    assert done["Location"] == f"/admin/tenants/tenant/{alpha.pk}/change/"
    assert status_of(alpha) == "suspended"

    doc = parse(staff.get(f"/admin/tenants/tenant/{alpha.pk}/change/"))
    buttons = {i.get("value") for i in doc.iter("input") if i.get("name") == "action"}
    assert "reactivate" in buttons and "suspend" not in buttons and "undelete" not in buttons
    assert (
        "tenant.suspend · “Chargeback”"
        in staff.get(f"/admin/tenants/tenant/{alpha.pk}/change/").content.decode()
    )


def test_an_action_that_does_not_apply_says_so_per_blog(make_blog, staff):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    console_act(staff, "soft_delete", alpha)
    response = console_act(staff, "soft_delete", alpha, bravo, follow=True)
    body = response.content.decode()
    assert "alpha is already deleted." in body and "Deleted 1 blog(s)." in body
    assert status_of(bravo) == "deleted"


def test_bad_confirmation_input_is_a_message_not_a_change(make_blog, staff):
    alpha = make_blog("alpha")
    base = {"action": "change_plan", "_selected_action": [alpha.pk], "confirm": "yes"}
    page = staff.post(ACTIONS_URL, base | {"plan": "gold", "reason": "x"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    page = staff.post(ACTIONS_URL, base | {"plan": "pro", "reason": "x" * 1001})
    assert page.status_code == 200 and "at most 1000 characters" in page.content.decode()
    assert not AuditLog.objects.exists()
