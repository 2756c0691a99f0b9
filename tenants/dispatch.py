"""The background work tenant services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

POOL_REFILL = "tasks.provisioning.pool_refill"
MIGRATE_BATCH = "tasks.migrations.fleet_migrate_batch"
DOMAIN_VERIFY = "tasks.domains.custom_domain_verify_task"
SEARCH_REBUILD_BATCH = "tasks.search.search_rebuild_batch"


def pool_refill() -> None:
    enqueue_on_commit(POOL_REFILL)


def migrate_schemas(schema_names: list[str], run_id: str) -> None:
    enqueue_on_commit(MIGRATE_BATCH, schema_names, run_id)


def domain_verify(custom_domain_id: int) -> None:
    enqueue_on_commit(DOMAIN_VERIFY, custom_domain_id, schema_name="public")


def search_rebuild_schemas(schema_names: list[str]) -> None:
    """Every search vector of these blogs (a staff action on the fleet)."""
    enqueue_on_commit(SEARCH_REBUILD_BATCH, schema_names)
