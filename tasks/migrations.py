"""Fleet migrations, one message per batch of schemas (queue `migrations`)."""

from celery import shared_task

from tenants import fleet


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
def fleet_migrate_batch(schema_names: list[str], run_id: str) -> dict[str, int]:
    """Migrate each schema of the batch in turn. Idempotent: a redelivered batch finds the
    schemas already done and applies nothing. One schema's failure does not stop the rest."""
    counts: dict[str, int] = {}
    for outcome in fleet.schemas_migrate(schema_names, run_id=run_id):
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts
