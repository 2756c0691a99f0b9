"""The subscribers part of a Quire export (blog.transfer's registry)."""

from audience import services as audience_services
from audience import subscriber_import
from audience.selectors import subscribers_for_export
from blog.transfer import TransferSection
from shared.billing.exceptions import LimitReached


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value else None


def subscribers_export() -> list[dict]:
    """The blog's email subscribers, with their state: a bounced or unsubscribed address stays
    so when the export is imported elsewhere."""
    return [
        {
            "email": s.email,
            "status": s.status,
            "created_at": _iso(s.created_at),
            "confirmed_at": _iso(s.confirmed_at),
        }
        for s in subscribers_for_export().iterator(chunk_size=2000)
    ]


def subscribers_import(*, tenant, rows: list[dict], report: dict) -> None:  # noqa: ANN001
    """A Quire export's email subscribers, with their state, within the plan."""
    try:
        audience_services.subscribers_limit_check(tenant_id=tenant.id, adding=len(rows))
    except LimitReached as exc:
        report.setdefault("notes", []).append(f"subscribers not imported: {exc}")
        return
    report["subscribers"] = subscriber_import.subscribers_restore(rows=rows)


SUBSCRIBERS = TransferSection(
    key="subscribers", export=subscribers_export, restore=subscribers_import
)
