"""What the apps below announce, as webhooks: membership changes (shared/accounts) become
`member.added` / `member.removed`, post changes (blog) `post.*`. Those apps never import this
one. The receivers only queue deliveries."""

from blog.signals import post_event
from shared.accounts import signals
from webhooks.services import post_event_emit, webhook_event_emit


def _member(event: str):
    def receive(sender, *, tenant_id: int, user_id: int, email: str, role: str, **kwargs) -> None:
        data = {"member": {"user_id": user_id, "email": email, "role": role}}
        webhook_event_emit(tenant_id=tenant_id, event=event, data=data)

    return receive


def _post(sender, *, tenant_id: int, event: str, post, **kwargs) -> None:  # noqa: ANN001
    post_event_emit(tenant_id=tenant_id, event=event, post=post)


_added = _member("member.added")
_removed = _member("member.removed")


def connect() -> None:
    signals.member_added.connect(_added, dispatch_uid="webhooks.member_added")
    signals.member_removed.connect(_removed, dispatch_uid="webhooks.member_removed")
    post_event.connect(_post, dispatch_uid="webhooks.post_event")
