"""Subscribers in bulk: a CSV the owner uploads, and the rows of a Quire export."""

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from audience.models import Subscriber
from audience.services import (
    IMPORT_MAX_ROWS,
    SubscriberInvalid,
    email_normalise,
    subscribers_limit_check,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Status = Subscriber.Status


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def subscribers_import_csv(*, tenant: Tenant, data: bytes) -> ImportReport:
    """Add confirmed subscribers from a CSV file (one address per row, in a column named
    "email" or the first column). Addresses already on the list are left as they are (so a
    bounced or unsubscribed one stays so); bad rows are reported with their line numbers and
    the good ones are added. Imported people opted in elsewhere: no confirmation mail."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubscriberInvalid(
            "The file is not UTF-8 text: save it as CSV (UTF-8) and upload it again."
        ) from None
    rows = csv.reader(io.StringIO(text))
    column, wanted = 0, {}
    for line, row in enumerate(rows, start=1):
        if line > IMPORT_MAX_ROWS:
            raise SubscriberInvalid(f"Import at most {IMPORT_MAX_ROWS:,} rows per file.")
        if not row or not any(cell.strip() for cell in row):
            continue
        if line == 1 and "@" not in "".join(row):
            names = [cell.strip().lower() for cell in row]
            column = names.index("email") if "email" in names else 0
            continue
        raw = row[column] if column < len(row) else ""
        try:
            email = email_normalise(raw)
        except ValidationError:
            report.errors.append((line, f"“{raw[:80]}” is not an email address"))
            continue
        wanted.setdefault(email, line)
    existing = set(
        Subscriber.objects.filter(email__in=list(wanted)).values_list("email", flat=True)
    )
    new = [email for email in wanted if email not in existing]
    report.already = len(wanted) - len(new)
    subscribers_limit_check(tenant_id=tenant.id, adding=len(new))
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [
            Subscriber(email=email, status=Status.CONFIRMED, source="import",
                       created_at=now, confirmed_at=now)
            for email in new
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )  # fmt: skip
    report.added = len(new)
    return report


def subscribers_restore(*, rows: list[dict]) -> int:
    """Subscribers from a blog export (`quire.json` "subscribers"), kept with their state.
    Addresses already here are left alone. Returns how many were added."""
    now = timezone.now()
    made = []
    for row in rows:
        try:
            email = email_normalise(str(row.get("email", "")))
        except ValidationError:
            continue
        status = row.get("status") if row.get("status") in Status.values else Status.PENDING
        made.append(
            Subscriber(
                email=email,
                status=status,
                source="restore",
                created_at=_parse(row.get("created_at")) or now,
                confirmed_at=_parse(row.get("confirmed_at")),
            )
        )
    return len(Subscriber.objects.bulk_create(made, batch_size=2000, ignore_conflicts=True))


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
