"""Fleet migrations and the spare pool, through a real Celery worker."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants import fleet, pool
from tenants import services as tenant_services
from tenants.models import SchemaMigration, SpareSchema
from tests.factories import UserFactory
from tests.tasks.conftest import wait_for
from tests.tenants.fleet_helpers import break_schema, unapply_newest_blog_migration

pytestmark = pytest.mark.django_db(transaction=True)


def test_migrate_fleet_through_workers_isolates_failures(celery_worker_process, capsys):
    blogs = [
        tenant_services.tenant_provision(subdomain=f"fleet-{i}", name="F", owner=UserFactory())
        for i in range(4)
    ]
    for blog in blogs:
        unapply_newest_blog_migration(blog.schema_name)
    break_schema(blogs[1].schema_name)
    connection.set_schema_to_public()

    out = StringIO()
    with pytest.raises(CommandError, match="1 schema\\(s\\) failed"):
        call_command("migrate_fleet", "--batch-size", "2", stdout=out, stderr=StringIO())
    assert "3 migrated, 1 failed" in out.getvalue()
    assert "migrating [" in capsys.readouterr().err  # the progress bar
    statuses = dict(SchemaMigration.objects.values_list("schema_name", "status"))
    assert [statuses[b.schema_name] for b in blogs] == ["done", "failed", "done", "done"]
    assert fleet.schemas_needing_migration(fleet.fleet_schema_names()) == [blogs[1].schema_name]


def test_a_signup_makes_the_worker_refill_the_pool(celery_worker_process, settings):
    _proc, log = celery_worker_process
    assert pool.pool_fill(target=2) == 2
    tenant_services.tenant_provision(subdomain="claims", name="C", owner=UserFactory())
    assert SpareSchema.objects.count() == 1
    wait_for(lambda: SpareSchema.objects.count() == settings.QUIRE_SPARE_POOL_SIZE, log=log)
