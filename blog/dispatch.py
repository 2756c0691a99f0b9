"""The background work blog services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

SEARCH_REFRESH = "tasks.search.post_search_vector_refresh"
SEARCH_REBUILD_TENANT = "tasks.search.search_rebuild_tenant"
SEARCH_SWEEP_BATCH = "tasks.search.search_sweep_batch"
SEARCH_REBUILD_BATCH = "tasks.search.search_rebuild_batch"
SEARCH_REBUILD_DISPATCH = "tasks.search.search_rebuild_dispatch"
IMPORT_RUN = "tasks.imports.import_run"
IMPORT_IMAGES_FETCH = "tasks.imports.import_images_fetch"
EXPORT_RUN = "tasks.imports.export_run"


def search_refresh(post_id: int, *, config: str) -> None:
    """One post's search vector, in the current schema, with the blog's language `config`."""
    enqueue_on_commit(SEARCH_REFRESH, post_id, config)


def search_rebuild(*, schema_name: str) -> None:
    """Every vector of one blog, with its language read afresh by the task."""
    enqueue_on_commit(SEARCH_REBUILD_TENANT, schema_name=schema_name)


def search_rebuild_schemas(schema_names: list[str]) -> None:
    """Every vector of these blogs, each with its own language."""
    enqueue_on_commit(SEARCH_REBUILD_BATCH, schema_names)


def search_fill(*, schema_name: str) -> None:
    """The vectors left empty in one blog (after an import)."""
    enqueue_on_commit(SEARCH_SWEEP_BATCH, [schema_name])


def import_run(job_id: str, *, schema_name: str) -> None:
    enqueue_on_commit(IMPORT_RUN, job_id, schema_name=schema_name)


def import_images_fetch(job_id: str, *, schema_name: str) -> None:
    enqueue_on_commit(IMPORT_IMAGES_FETCH, job_id, schema_name=schema_name)


def export_run(job_id: str, *, schema_name: str) -> None:
    enqueue_on_commit(EXPORT_RUN, job_id, schema_name=schema_name)
