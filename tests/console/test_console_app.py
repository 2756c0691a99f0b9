"""shared/console: the audit log kept its table and its append-only trigger through the move,
imports run one way, and service errors map to one message and status."""

import ast
import logging
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError
from django.test import RequestFactory
from django.utils.html import escape

from lib.errors import ApplicationError, ApplicationErrorMiddleware
from shared.accounts import services as account_services
from shared.billing.exceptions import LimitReached
from shared.console.models import AuditLog
from shared.console.services import audit_log_record
from tenants.lifecycle import CannotUndelete
from tenants.services import SubdomainTaken
from tests.conftest import plan_set
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_audit_log_keeps_its_table_and_is_append_only(tenant):
    assert AuditLog._meta.db_table == "billing_auditlog"
    entry = audit_log_record(action="test.thing", tenant=tenant, reason="because")
    assert entry.tenant_label == f"alpha ({tenant.schema_name})"
    assert entry.after == {"reason": "because"}
    for change in (
        "UPDATE billing_auditlog SET action = 'x' WHERE id = %s",
        "UPDATE billing_auditlog SET after = '{}' WHERE id = %s",
        "DELETE FROM billing_auditlog WHERE id = %s",
    ):
        with pytest.raises(InternalError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(change, [entry.id])
    # Django's SET_NULL when a blog is purged is still allowed.
    AuditLog.objects.filter(pk=entry.pk).update(tenant=None)
    assert AuditLog.objects.get(pk=entry.pk).action == "test.thing"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        ("shared/console", ("tenants", "blog", "shared.billing", "shared.accounts")),
        ("shared/billing", ("tenants", "blog")),
        # membership changes reach webhooks through shared/accounts/signals.py
        ("shared/accounts", ("blog", "api", "webhooks", "media")),
    ],
)
def test_imports_run_one_way(folder, forbidden):
    """tenants -> console/billing, billing -> console; never back (not even inside a
    function). Other apps' models are named by string, as foreign keys name them."""
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    bad = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert bad == []


@pytest.mark.parametrize(
    "error, status",
    [
        (LimitReached("The Free plan allows 20 published posts."), 402),
        (SubdomainTaken("alpha"), 409),
        (CannotUndelete("alpha is not deleted."), 409),
        (ApplicationError("Nope."), 400),
    ],
)
def test_a_service_error_no_view_caught_is_its_message_and_status(db, error, status):
    middleware = ApplicationErrorMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    request.tenant = None
    response = middleware.process_exception(request, error)
    assert response.status_code == status
    assert escape(error.message) in response.content.decode()
    assert middleware.process_exception(request, KeyError("a bug")) is None  # still a 500


def test_an_invitation_email_that_fails_is_logged_not_silenced(
    tenant, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    plan_set(tenant, "pro")
    with caplog.at_level(logging.ERROR, logger="shared.accounts.services"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = account_services.invitation_create(
                tenant_id=tenant.id,
                blog_name=tenant.name,
                email="new@example.org",
                role="author",
                invited_by=tenant.owner,
                url_base="http://alpha.localhost",
            )
    assert invitation.pk  # the invitation stands; the owner can send it again
    (record,) = [r for r in caplog.records if "invitation email" in r.getMessage()]
    assert "new@example.org" in record.getMessage()
    assert record.exc_info and isinstance(record.exc_info[1], ConnectionRefusedError)


@pytest.mark.parametrize(
    "app, name", [("console", "0001_initial"), ("billing", "0003_auditlog_moves_to_console")]
)
@pytest.mark.parametrize("backwards", [False, True])
def test_the_move_runs_no_sql_either_way(db, app, name, backwards):
    """The AuditLog move is state only: `sqlmigrate` finds not one statement to run, forwards
    or backwards, so the table, its rows, indexes, keys and trigger are untouched."""
    assert _sql_statements("billing", "0002_auditlog_append_only", backwards)  # the control
    assert _sql_statements(app, name, backwards) == []


def _sql_statements(app: str, name: str, backwards: bool) -> list[str]:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sqlmigrate", app, name, backwards=backwards, stdout=out)
    assert "Raw Python operation" not in out.getvalue()
    return [
        line
        for line in out.getvalue().splitlines()
        if line.strip() and not line.startswith("--") and line.strip() not in ("BEGIN;", "COMMIT;")
    ]
