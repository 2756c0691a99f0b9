"""Two imports of one file running at once (a double upload, two workers) never duplicate:
the second waits for the first and finds its posts."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, connections

from blog.models import TransferJob
from blog.services import imports as import_services
from tenants.context import tenant_context
from tests.blog.port_helpers import DATA, posts, private_root  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_root")]


def test_two_imports_at_once_do_not_duplicate(tenant):
    raw = (DATA / "wordpress" / "theme-preview.xml").read_bytes()
    with tenant_context(tenant):
        ids = []
        for _ in range(2):
            job = TransferJob(kind="import", by_id=tenant.owner.id, size=len(raw))
            job.path = storages["private"].save(f"{tenant.schema_name}/imports/{job.id}",
                                                ContentFile(raw))  # fmt: skip
            job.save()
            ids.append(str(job.id))
    connection.set_schema_to_public()
    results, errors = {}, []
    start = threading.Barrier(2)

    def run(job_id):
        try:
            with tenant_context(tenant):
                start.wait()
                results[job_id] = import_services.import_job_run(tenant=tenant, job_id=job_id)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    reports = sorted((r.report["imported_count"], r.report["unchanged_count"])
                     for r in results.values())  # fmt: skip
    assert reports == [(0, 7), (7, 0)]
    assert len(posts(tenant)) == 7
    connection.set_schema_to_public()
