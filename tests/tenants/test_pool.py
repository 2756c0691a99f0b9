import logging
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from shared.accounts import services as account_services
from shared.accounts.models import User
from signup import services as signup_services
from tenants import fleet, pool, services
from tenants.models import SpareSchema, Tenant
from tests.factories import PASSWORD, UserFactory


def schema_tables(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [name]
        )
        return [row[0] for row in cursor.fetchall()]


def test_pool_fill_makes_migrated_spares_and_signups_claim_them(db):
    assert pool.pool_fill(target=3) == 3
    assert pool.pool_fill(target=3) == 0  # already full
    spares = list(SpareSchema.objects.values_list("schema_name", flat=True))
    assert len(spares) == 3
    for name in spares:
        assert schema_tables(name) == schema_tables("t_template")
    assert fleet.schemas_needing_migration(spares) == []

    tenant = services.tenant_provision(subdomain="pooled", name="P", owner=UserFactory())
    assert tenant.schema_name == spares[0]  # oldest spare first
    assert pool.pool_size() == 2


def test_empty_pool_still_provisions_inline_and_says_so(db, caplog):
    assert pool.pool_size() == 0
    with caplog.at_level(logging.WARNING, logger="tenants.services"):
        tenant = services.tenant_provision(subdomain="inline", name="I", owner=UserFactory())
    assert "pool is empty" in caplog.text
    assert schema_tables(tenant.schema_name) == schema_tables("t_template")


def test_spares_made_from_older_migrations_are_never_claimed(db):
    pool.pool_fill(target=1)
    SpareSchema.objects.update(migration_state="an-older-graph")
    tenant = services.tenant_provision(subdomain="fresh", name="F", owner=UserFactory())
    assert not SpareSchema.objects.filter(schema_name=tenant.schema_name).exists()
    assert SpareSchema.objects.count() == 1
    assert pool.pool_size() == 0


def test_a_provisioning_that_fails_after_the_claim_puts_the_spare_back(db):
    pool.pool_fill(target=1)
    (spare,) = SpareSchema.objects.values_list("schema_name", flat=True)
    missing_owner = User(id=987_654_321, email="ghost@example.org")  # not in the database
    with connection.cursor() as cursor:  # check foreign keys at once, not at commit
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            services.tenant_provision(subdomain="ghost", name="G", owner=missing_owner)
    assert list(SpareSchema.objects.values_list("schema_name", flat=True)) == [spare]
    assert not Tenant.objects.filter(subdomain="ghost").exists()
    assert schema_tables(spare) == schema_tables("t_template")


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_share_a_spare_schema():
    pool.pool_fill(target=6)
    barrier = threading.Barrier(8)
    errors: list[str] = []

    def signup(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                owner = account_services.user_create(email=f"b{n}@example.org", password=PASSWORD)
                signup_services.signup_blog_create(owner=owner, name=f"B{n}", subdomain=f"blog-{n}")
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=signup, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = list(Tenant.objects.values_list("schema_name", flat=True))
    assert len(names) == len(set(names)) == 8
    # Six were claimed, two made inline; none is still offered as a spare.
    assert not SpareSchema.objects.filter(schema_name__in=names).exists()


def test_stale_spares_are_dropped_when_the_pool_is_filled(db):
    pool.pool_fill(target=2)
    old = list(SpareSchema.objects.values_list("schema_name", flat=True))
    SpareSchema.objects.update(migration_state="an-older-graph")
    assert pool.pool_fill(target=2) == 2
    remaining = set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert remaining.isdisjoint(old)
    assert all(schema_tables(name) == [] for name in old)  # the schemas are gone too


def test_a_blog_cloned_from_a_template_that_is_behind_is_migrated_by_a_worker(
    db, caplog, django_capture_on_commit_callbacks
):
    from tests.tenants.fleet_helpers import unapply_newest_blog_migration

    unapply_newest_blog_migration("t_template")  # mid-deploy: code ahead of the template
    with caplog.at_level(logging.WARNING, logger="tenants.services"):
        with django_capture_on_commit_callbacks() as callbacks:
            tenant = services.tenant_provision(subdomain="mid", name="M", owner=UserFactory())
    assert "template that is behind" in caplog.text
    assert fleet.schemas_needing_migration([tenant.schema_name]) == [tenant.schema_name]
    # After commit a fleet_migrate_batch for that schema is queued; run it here.
    from tasks import migrations as migration_tasks

    assert len(callbacks) >= 2
    migration_tasks.fleet_migrate_batch.apply(args=[[tenant.schema_name], "provisioning"])
    assert fleet.schemas_needing_migration([tenant.schema_name]) == []
