"""The background work webhook services ask for, queued by task name."""

from lib.queue import enqueue, enqueue_on_commit

DELIVER = "tasks.webhooks.webhook_deliver"


def deliver(delivery_id: int) -> None:
    """One attempt, after the commit of the change it reports."""
    enqueue_on_commit(DELIVER, delivery_id)


def deliver_later(delivery_id: int, *, countdown: float) -> bool:
    """A retry due within minutes; False when the broker did not take it (the sweep will)."""
    return enqueue(DELIVER, delivery_id, countdown=countdown)
