"""Search-vector tasks. They run in the schema of the tenant that queued them."""

import logging

from celery import shared_task

from blog import search as blog_search
from tasks.queue import RETRIED, batch_tenants, fan_out_fleet, task_tenant

logger = logging.getLogger(__name__)


@shared_task(**RETRIED | {"max_retries": 8})
def post_search_vector_refresh(post_id: int, config: str | None = None) -> bool:
    """Refresh one post's search vector in the current tenant's schema (idempotent).

    `config` is the blog's language when the post was saved (the worker's cached tenant may be
    up to a minute old)."""
    return blog_search.post_search_vector_refresh(post_id=post_id, config=config or _language())


def _language() -> str:
    """The blog's language, read afresh."""
    return blog_search.search_config(tenant=task_tenant())


@shared_task(**RETRIED | {"soft_time_limit": 1800, "time_limit": 1900})
def search_rebuild_tenant() -> int:
    """Rewrite every vector of the current tenant (resumable; safe to run twice). The language
    is read afresh: this task is what runs after a blog changes it."""
    return blog_search.search_index_rebuild(config=_language())


@shared_task(acks_late=True)
def search_sweep_dispatch() -> int:
    """Periodic: fan the stale-vector sweep out over all blogs, one message per batch."""
    return fan_out_fleet(search_sweep_batch)


@shared_task(acks_late=True)
def search_rebuild_dispatch() -> int:
    """Fleet-wide rebuild, fanned out in batches of schemas."""
    return fan_out_fleet(search_rebuild_batch)


@shared_task(**RETRIED)
def search_sweep_batch(schema_names: list[str]) -> int:
    """Fill missing vectors (e.g. saved while Redis was down) in each schema of the batch."""
    fixed = 0
    for tenant in batch_tenants(schema_names):
        config = blog_search.search_config(tenant=tenant)
        fixed += blog_search.stale_search_vectors_refresh(config=config)
    if fixed:
        logger.info("search sweep filled %d vectors in %d schemas", fixed, len(schema_names))
    return fixed


@shared_task(**RETRIED | {"soft_time_limit": 3600, "time_limit": 3700})
def search_rebuild_batch(schema_names: list[str]) -> int:
    rewritten = 0
    for tenant in batch_tenants(schema_names):
        rewritten += blog_search.search_index_rebuild(
            config=blog_search.search_config(tenant=tenant)
        )
    return rewritten
