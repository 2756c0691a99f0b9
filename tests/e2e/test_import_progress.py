"""The import page in a real Chromium: upload, the progress bar polls the status endpoint,
and the report replaces it when the job is done."""

import re
from pathlib import Path

import pytest
from django.db import connection

from blog.models import TransferJob
from blog.services import imports as import_services
from tenants.context import tenant_context
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WXR = Path(__file__).resolve().parents[1] / "data" / "wordpress" / "theme-preview.xml"


def test_upload_progress_and_report(live_server, page, make_blog):
    tenant = make_blog("alpha")
    connection.set_schema_to_public()
    base = f"http://alpha.localhost:{live_server.url.rsplit(':', 1)[1]}"
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", tenant.owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()  # not the search box
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    page.click("header.site nav a:text-is('Import')")
    page.set_input_files("input[type=file]", str(WXR))
    page.click("form button:text-is('Import')")
    page.wait_for_url(re.compile(r".*/dashboard/import/[0-9a-f-]+/$"))
    assert page.locator("progress#import-bar").is_visible()
    job_id = page.url.rstrip("/").split("/")[-1]
    # No worker in this test: run the job as the worker would; the page's poll notices.
    with tenant_context(tenant):
        assert TransferJob.objects.get(id=job_id).status == "queued"
        import_services.import_job_run(tenant=tenant, job_id=job_id)
    connection.set_schema_to_public()
    summary = page.locator("#import-summary")
    summary.wait_for(timeout=15_000)
    assert "7 imported" in summary.inner_text()
    assert "2 comments imported" in summary.inner_text()
    page.click("a:text-is('Worth A Thousand Words')")
    page.wait_for_url(re.compile(r".*/worth-a-thousand-words/$"))
