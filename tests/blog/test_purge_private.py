"""A purged blog's imports and exports (the private storage, `<schema>/`) go with it."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from blog.services import exports as export_services
from tenants import lifecycle
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.blog.conftest import write
from tests.blog.port_helpers import private_root  # noqa: F401


def _export(tenant):
    write(tenant, f"Post of {tenant.subdomain}")
    with tenant_context(tenant):
        job = export_services.export_job_create(tenant=tenant, by=tenant.owner)
        return export_services.export_job_run(tenant=tenant, job_id=str(job.id))


@pytest.mark.usefixtures("private_root")
def test_purge_removes_the_blogs_private_files_and_only_its(tenant, other_tenant, settings):
    a_export, b_export = _export(tenant), _export(other_tenant)
    leftover = storages["private"].save(
        f"{tenant.schema_name}/imports/left-over", ContentFile(b"x")
    )
    private = storages["private"]
    assert private.exists(a_export.path) and private.exists(leftover)
    Tenant.objects.filter(pk=tenant.pk).update(
        status="deleted", deleted_at=timezone.now() - timedelta(days=31)
    )
    settings.TENANT_DELETE_GRACE_DAYS = 30
    connection.set_schema_to_public()
    assert lifecycle.tenants_purge() == 1
    assert not private.exists(a_export.path) and not private.exists(leftover)
    assert not Path(private.path(tenant.schema_name)).exists()
    assert private.exists(b_export.path)
