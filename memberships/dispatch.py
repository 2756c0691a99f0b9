"""The background work memberships services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

MEMBER_IMPORT_RUN = "tasks.memberships.member_import_run"


def member_import_run(job_id: str, *, schema_name: str) -> None:
    enqueue_on_commit(MEMBER_IMPORT_RUN, job_id, schema_name=schema_name)
