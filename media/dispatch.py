"""The background work media services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

MEDIA_PROCESS = "tasks.media.media_process"


def media_process(media_id: int, *, schema_name: str) -> None:
    enqueue_on_commit(MEDIA_PROCESS, media_id, schema_name=schema_name)
