"""Billing and blog-lifecycle tasks: periodic downgrades, usage counts, purges.

Each is a thin interface over a service in shared.billing or tenants.lifecycle; the
schedule is in config/settings/celery.py (CELERY_BEAT_SCHEDULE).
"""

import logging

from celery import shared_task
from django.db import OperationalError

from shared.billing import services as billing_services
from tasks.queue import RETRIED, fan_out_fleet
from tenants import lifecycle
from tenants import usage as tenant_usage

logger = logging.getLogger(__name__)


@shared_task(**RETRIED)
def billing_trials_expire() -> int:
    """Periodic: trials that ended without payment go back to Free."""
    return billing_services.trials_expire()


@shared_task(**RETRIED)
def billing_past_due_expire() -> int:
    """Periodic: subscriptions past_due beyond BILLING_PAST_DUE_GRACE_DAYS go back to Free."""
    return billing_services.past_due_expire()


@shared_task(acks_late=True)
def usage_refresh_dispatch() -> int:
    """Periodic: fan the usage count out over all blogs, one message per batch."""
    return fan_out_fleet(usage_refresh_batch)


@shared_task(**RETRIED)
def usage_refresh_batch(schema_names: list[str]) -> int:
    """Count posts, members and storage of each blog in the batch (idempotent)."""
    done = 0
    for schema_name in schema_names:
        try:
            done += tenant_usage.usage_refresh(schema_name=schema_name) is not None
        except OperationalError:
            raise
        except Exception:  # one broken schema must not stop the batch
            logger.exception("usage refresh failed for %s", schema_name)
    return done


@shared_task(acks_late=True)
def tenants_purge_deleted() -> int:
    """Periodic: drop the schemas of blogs deleted longer ago than TENANT_DELETE_GRACE_DAYS."""
    return lifecycle.tenants_purge()
