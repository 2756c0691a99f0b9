"""The background work comment services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

SPAM_CHECK = "tasks.comments.comment_spam_check"
NOTIFY = "tasks.comments.comment_notify"


def spam_check(comment_id: int, *, schema_name: str) -> None:
    enqueue_on_commit(SPAM_CHECK, comment_id, schema_name=schema_name)


def notify(comment_id: int, *, schema_name: str, author: bool = True) -> None:
    """Mail what a comment calls for: its post's author (with `author`, unless they chose the
    digest), and, once it is published, the commenter it answers."""
    enqueue_on_commit(NOTIFY, comment_id, author, schema_name=schema_name)
