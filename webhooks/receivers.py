"""Membership changes (sent by shared/accounts, which may not import this app) become
`member.added` / `member.removed` webhooks. The receivers only queue deliveries."""

from shared.accounts import signals
from webhooks.services import webhook_event_emit


def _member(event: str):
    def receive(sender, *, tenant_id: int, user_id: int, email: str, role: str, **kwargs) -> None:
        data = {"member": {"user_id": user_id, "email": email, "role": role}}
        webhook_event_emit(tenant_id=tenant_id, event=event, data=data)

    return receive


_added = _member("member.added")
_removed = _member("member.removed")


def connect() -> None:
    signals.member_added.connect(_added, dispatch_uid="webhooks.member_added")
    signals.member_removed.connect(_removed, dispatch_uid="webhooks.member_removed")
