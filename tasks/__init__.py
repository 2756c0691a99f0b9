"""Celery tasks: thin interfaces that load what they need and call one service.

Every module here is imported by the worker (config/celery.py: `imports = ("tasks",)`).
"""

from tasks import (
    analytics,
    billing,
    comments,
    domains,
    imports,
    media,
    memberships,
    migrations,
    newsletters,
    provisioning,
    publishing,
    search,
    webhooks,
)

__all__ = [
    "analytics",
    "billing",
    "comments",
    "domains",
    "imports",
    "media",
    "memberships",
    "migrations",
    "newsletters",
    "provisioning",
    "publishing",
    "search",
    "webhooks",
]
