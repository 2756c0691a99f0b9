"""Celery: JSON only, the tenant in each message's headers (tenant-schemas-celery); every
queue route and every periodic task in one place."""

from celery.schedules import crontab

from config.settings.base import env
from config.settings.database import REDIS_URL

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "tasks.search.*": {"queue": "search"},
    "tasks.imports.*": {"queue": "imports"},
    "tasks.migrations.*": {"queue": "migrations"},
    "tasks.provisioning.*": {"queue": "provisioning"},
    # DNS checks of custom domains wait on other people's name servers: their own queue.
    "tasks.domains.*": {"queue": "domains"},
    "tasks.media.*": {"queue": "media"},
    "tasks.webhooks.*": {"queue": "webhooks"},
    # Newsletters go out on their own queue, so a big send never holds up other work.
    "tasks.newsletters.*": {"queue": "newsletters"},
}
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
# A task taken by a worker that dies is delivered again once this many seconds have passed
# without an ack (acks_late tasks): longer than the longest task's time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request that queues a task must not hang when Redis is down: fail fast, sweep later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Tenant lookups by the worker are cached, so a task does not cost an extra query each time.
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Every periodic task, in one place.
CELERY_BEAT_SCHEDULE = {
    "publish-due-posts": {
        "task": "tasks.publishing.publish_due_dispatch",
        "schedule": crontab(),  # every minute
    },
    "pool-refill": {
        "task": "tasks.provisioning.pool_refill",
        "schedule": crontab(minute="*/5"),
    },
    "search-sweep-stale-vectors": {
        "task": "tasks.search.search_sweep_dispatch",
        "schedule": crontab(minute="*/10"),
    },
    "billing-trials-expire": {
        "task": "tasks.billing.billing_trials_expire",
        "schedule": crontab(minute=15),
    },
    "billing-past-due-expire": {
        "task": "tasks.billing.billing_past_due_expire",
        "schedule": crontab(minute=25),
    },
    "billing-usage-refresh": {
        "task": "tasks.billing.usage_refresh_dispatch",
        "schedule": crontab(minute=35, hour="*/6"),
    },
    "custom-domains-verify": {
        "task": "tasks.domains.custom_domains_verify_due",
        "schedule": crontab(minute="*/5"),
    },
    "tenants-purge-deleted": {
        "task": "tasks.billing.tenants_purge_deleted",
        "schedule": crontab(minute=45, hour=3),
    },
    # Reader counts from Redis into PostgreSQL: writers see today's readers within a minute.
    "analytics-flush": {
        "task": "tasks.analytics.analytics_flush",
        "schedule": crontab(),
    },
    "webhook-deliveries-sweep": {
        "task": "tasks.webhooks.webhook_deliveries_sweep",
        "schedule": crontab(),  # every minute
    },
    # Removes expired unconfirmed subscriptions, and queues again any send left waiting (its
    # message lost while the broker was down); a send already running elsewhere is left alone.
    "comments-daily": {  # the writers' daily digests of comments on their posts
        "task": "tasks.comments.comments_daily_dispatch",
        "schedule": crontab(minute=0, hour=7),
    },
    "comments-sweep": {  # spam checks whose message was lost
        "task": "tasks.comments.comments_sweep_dispatch",
        "schedule": crontab(minute="*/15"),
    },
    "memberships-reconcile": {  # members against Stripe's subscriptions (lost webhooks)
        "task": "tasks.memberships.memberships_reconcile_dispatch",
        "schedule": crontab(minute=30, hour=3),
    },
    "audience-sweep": {
        "task": "tasks.newsletters.audience_sweep_dispatch",
        "schedule": crontab(minute="*/15"),
    },
}
