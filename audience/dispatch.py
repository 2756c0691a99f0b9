"""The background work audience services ask for, queued by task name after the commit."""

from lib.queue import enqueue_on_commit

CONFIRMATION_SEND = "tasks.newsletters.subscriber_confirmation_send"
NEWSLETTER_SEND = "tasks.newsletters.newsletter_send"


def confirmation_send(subscriber_id: int, *, schema_name: str) -> None:
    enqueue_on_commit(CONFIRMATION_SEND, subscriber_id, schema_name=schema_name)


def newsletter_send(newsletter_id: int, *, schema_name: str) -> None:
    enqueue_on_commit(NEWSLETTER_SEND, newsletter_id, schema_name=schema_name)


MEMBER_SIGNIN_SEND = "tasks.newsletters.member_signin_send"


def member_signin_send(email: str, next_path: str, name: str, *, schema_name: str) -> None:
    enqueue_on_commit(MEMBER_SIGNIN_SEND, email, next_path, name, schema_name=schema_name)
