"""Members from Ghost's and Substack's member exports (CSV), paying members included.

`member_import_start` reads the upload at once: a wrong header, text that is not UTF-8, too
many rows or the plan's subscriber limit refuse the file before anything is written. The file
is then kept privately and `member_import_run` runs in a worker (Stripe is asked about every
paying row, which takes longer than a request may); its state and report are kept in Redis for
`KEEP_SECONDS`.

Each row becomes an `audience.Subscriber`, the free member (an address already here keeps its
state and is not added twice), and where the row says so a `ReaderMembership`:
- a Stripe customer id (Ghost's `stripe_customer_id`, Substack's
  `stripe_connected_customer_id`; for a Substack paid row without one, the customer with that
  address) is looked up on this blog's connected account, and only there. Its running
  subscription is applied by `membership_apply` when its price belongs to a tier
  (`TierPrice`), or to the tier chosen in the form (the price is then kept as one of that
  tier's old prices): the member goes on paying what they paid, without paying again;
- a comped row (Ghost's `complimentary_plan`, Substack's `comp` and `gift`) gets `comp_give`.
What can't be done leaves a free member and a note saying why and how to fix it. Importing the
same file again changes nothing more: subscribers by address, subscriptions by id, comps that
stand are left alone.
"""

import csv
import io
import logging
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

import stripe
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from audience.members import member_name_clean
from audience.models import Subscriber
from audience.services import IMPORT_MAX_ROWS, email_normalise, subscribers_limit_check
from lib.errors import ApplicationError, Unavailable
from memberships import dispatch, services
from memberships.models import ReaderMembership, Tier, TierPrice
from memberships.stripe_api import (
    StripeUnavailable,
    SubscriptionState,
    client,
    on,
    subscriptions_all,
)
from memberships.stripe_api import subscription_state as state_read
from tenants.models import Tenant

logger = logging.getLogger(__name__)
Status = ReaderMembership.Status
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = IMPORT_MAX_ROWS
MAX_NOTES = 2000
KEEP_SECONDS = 7 * 86_400
GHOST_REQUIRED = ("email", "subscribed_to_emails", "complimentary_plan", "stripe_customer_id")
GHOST_HEADER = (
    "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,"
    "created_at,deleted_at,labels,tiers"
)
SUBSTACK_HEADER = "email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at"
SOURCES = {"ghost": "Ghost", "substack": "Substack"}
CUSTOMER_ID = re.compile(r"cus_[A-Za-z0-9]{1,250}")
PAID_PLANS = ("monthly", "yearly", "annual", "founding", "paid")
RUNNING = ("active", "trialing", "past_due", "unpaid")  # Stripe's statuses that still give access
PREFETCH_OVER = 100  # rows to look up at Stripe past which the account is listed once
PAYING = (Status.ACTIVE, Status.TRIALING, Status.PAST_DUE)
IMPORTED = ReaderMembership.Source.IMPORT
CONFIRMED, UNSUBSCRIBED = Subscriber.Status.CONFIRMED, Subscriber.Status.UNSUBSCRIBED
_JOB = "member-import:{schema}:{job}"
_LATEST = "member-import:{schema}:latest"


class MemberImportInvalid(ApplicationError):
    """The file can't be imported; the message says what to change."""


@dataclass
class Row:
    line: int
    email: str
    name: str = ""
    subscribed: bool = True
    customer: str = ""
    find_customer: bool = False  # a Substack paid row without an id: ask Stripe by address
    comped: bool = False
    comp_until: datetime | None = None
    tiers: list[str] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass
class ImportReport:
    source: str = ""
    members: int = 0  # rows imported, new or already here
    added: int = 0
    paid: int = 0
    comped: int = 0
    skipped: int = 0
    notes: list[tuple[int, str, str]] = field(default_factory=list)  # (line, email, what)
    more_notes: int = 0

    def note(self, row: Row | int, text: str, email: str = "") -> None:
        line, email = (row.line, row.email) if isinstance(row, Row) else (row, email)
        if len(self.notes) < MAX_NOTES:
            self.notes.append((line, email, text))
        else:
            self.more_notes += 1


@dataclass
class Parsed:
    source: str
    rows: list[Row]
    report: ImportReport  # skipped rows and warnings found while reading


# --- reading the file ---------------------------------------------------------------------


def too_large_message(size: int) -> str:
    return (
        f"The file is {size / 2**20:.1f} MB; a members import is at most {MAX_BYTES // 2**20} MB "
        f"and {MAX_ROWS:,} rows. Split it and import each part: importing again never adds "
        "anyone twice."
    )


def _true(raw: str) -> bool:
    return raw.strip().lower() in ("true", "1", "yes", "y")


def _when(raw: str) -> datetime | None:
    raw = raw.strip()
    try:
        value = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_fixed_timezone(0))
    return value


def _source(names: list[str], header: list[str]) -> str:
    have = set(names)
    if set(GHOST_REQUIRED) <= have:
        return "ghost"
    if "email" in have and have & {"active_subscription", "stripe_connected_customer_id"}:
        return "substack"
    shown = ",".join(cell.strip() for cell in header)[:200] or "an empty row"
    raise MemberImportInvalid(
        "The first row is not the header of a Ghost or Substack members export. Expected "
        f"Ghost's “{GHOST_HEADER}” (at least {', '.join(GHOST_REQUIRED)}) or Substack's "
        f"“{SUBSTACK_HEADER}” (at least email and active_subscription); the file has "
        f"“{shown}”. Upload the export unchanged; for a plain list of addresses use "
        "Subscribers → Import."
    )


def _ghost_row(line: int, email: str, v: dict[str, str]) -> Row | str:
    if v.get("deleted_at"):
        return "deleted on Ghost: not imported"
    tiers = v.get("tiers") or v.get("products") or ""
    return Row(
        line=line, email=email, name=member_name_clean(v.get("name", "")),
        subscribed=v.get("subscribed_to_emails", "").lower() != "false",
        customer=v.get("stripe_customer_id", ""), comped=_true(v.get("complimentary_plan", "")),
        tiers=[t.strip() for t in tiers.split(",") if t.strip()],
        created_at=_when(v.get("created_at", "")),
    )  # fmt: skip


def _substack_row(line: int, email: str, v: dict[str, str]) -> Row:
    kind = (v.get("type") or v.get("plan") or "").lower()
    customer = v.get("stripe_connected_customer_id") or v.get("stripe_customer_id") or ""
    paid = kind in PAID_PLANS and _true(v.get("active_subscription", "true"))
    return Row(
        line=line, email=email, name=member_name_clean(v.get("name", "")),
        subscribed=not _true(v.get("email_disabled", "")), customer=customer,
        find_customer=paid and not customer, comped=kind in ("comp", "gift"),
        comp_until=_when(v.get("expiry", "")) if kind in ("comp", "gift") else None,
        created_at=_when(v.get("created_at", "")),
    )  # fmt: skip


def members_csv_read(data: bytes) -> Parsed:
    """The rows of an export, or MemberImportInvalid for a file that can't be imported at all.
    Bad rows (an invalid address, an address given twice, a deletion) are skipped and noted."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MemberImportInvalid(
            f"The file is not UTF-8 text (byte {exc.start + 1:,} is not): export it again from "
            "Ghost or Substack, or save it as “CSV UTF-8”, and upload it again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        if not header:
            raise MemberImportInvalid("The file is empty: upload the members export itself.")
        names = [cell.strip().lower() for cell in header]
        source = _source(names, header)
        report = ImportReport(source=source)
        for line, cells in enumerate(reader, start=2):
            if line > MAX_ROWS + 1:
                raise MemberImportInvalid(too_large_message(len(data)))
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
            raw = values.get("email", "")
            if raw.lower().endswith("@deletion-request.substack.com"):
                report.skipped += 1
                report.note(line, "a deletion request on Substack: not imported", raw)
                continue
            try:
                email = email_normalise(raw)
            except ValidationError:
                report.skipped += 1
                report.note(line, f"“{raw[:80]}” is not an email address: not imported", raw)
                continue
            if email in seen:
                report.skipped += 1
                report.note(line, f"the same address as line {seen[email]}: imported once", email)
                continue
            seen[email] = line
            row = (_ghost_row if source == "ghost" else _substack_row)(line, email, values)
            if isinstance(row, str):
                report.skipped += 1
                report.note(line, row, email)
                continue
            if row.customer and not CUSTOMER_ID.fullmatch(row.customer):
                report.note(row, f"“{row.customer[:40]}” is not a Stripe customer id (cus_…)")
                row.customer = ""
            rows.append(row)
    except csv.Error as exc:
        raise MemberImportInvalid(
            f"Line {reader.line_num} is not valid CSV ({exc}): export the file again and "
            "upload it unchanged."
        ) from None
    return Parsed(source=source, rows=rows, report=report)


# --- Stripe, on the blog's own account ------------------------------------------------------


class _Stripe:
    """Reads of the blog's connected account. After one failure to reach Stripe the rest of
    the rows are not looked up (each says so; a second import does them)."""

    def __init__(self, *, tenant_id: int):
        account = services.connected_account(tenant_id=tenant_id)
        connected = account is not None and account.disconnected_at is None
        self.account = account.account_id if connected else ""
        self.down = ""
        self.known: dict[str, list[SubscriptionState]] | None = None

    def prefetch(self) -> None:
        """Every subscription of the account in one listing, 100 a page, rather than a
        request per customer: for a file with many paying rows."""
        if not self.account or self.down:
            return
        known: dict[str, list[SubscriptionState]] = {}
        try:
            for state in subscriptions_all(account=self.account):
                known.setdefault(state.customer, []).append(state)
        except StripeUnavailable as exc:
            self.down = exc.message
            return
        self.known = known

    def _ask(self, what: str, fn, *args, **kwargs):  # noqa: ANN001, ANN202 (an SDK method)
        if self.down:
            raise StripeUnavailable(self.down)
        try:
            return fn(*args, options=on(self.account), **kwargs)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404 or exc.code == "resource_missing":
                return None
            raise StripeUnavailable(f"Stripe could not {what}: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            self.down = f"Stripe could not be reached ({exc.user_message or exc})"
            raise StripeUnavailable(self.down) from exc

    def subscriptions(self, customer: str) -> list[SubscriptionState] | None:
        """The customer's subscriptions (any status); None when the account has no such
        customer (another account's customer is not this account's)."""
        api = client().v1
        if self.known is not None:
            states = self.known.get(customer, [])
        else:
            params = {"customer": customer, "status": "all", "limit": 100}
            listed = self._ask("list subscriptions", api.subscriptions.list, params=params)
            states = [state_read(obj.to_dict()) for obj in listed.data] if listed else []
        if states:
            return states
        found = self._ask("read the customer", api.customers.retrieve, customer)
        return None if found is None or found.to_dict().get("deleted") else []

    def customers_by_email(self, email: str) -> list[str]:
        params = {"email": email, "limit": 10}
        listed = self._ask("find the customer", client().v1.customers.list, params=params)
        return [obj.id for obj in listed.data] if listed else []


def _current(states: list[SubscriptionState]) -> SubscriptionState:
    running = [s for s in states if s.status in RUNNING]
    return running[0] if running else states[0]  # Stripe lists the newest first


def _price_text(state: SubscriptionState) -> str:
    return f"{state.amount / 100:,.2f} {state.currency.upper()} a {state.interval or 'period'}"


def _paid(row: Row, subscriber: Subscriber, *, tenant: Tenant, tier: Tier | None,
          lookup: _Stripe, report: ImportReport, source: str) -> bool:  # fmt: skip
    """Apply the row's Stripe subscription; False (with a note) when it stays free."""
    what = row.customer or "The paid membership"
    if not lookup.account:
        report.note(
            row,
            f"{what} was not looked up: connect this blog's Stripe account (the one "
            f"{source} used) under Memberships, then import again.",
        )
        return False
    try:
        customers = [row.customer] if row.customer else lookup.customers_by_email(row.email)
        found = {customer: lookup.subscriptions(customer) for customer in customers}
    except StripeUnavailable as exc:
        report.note(row, f"{exc.message}: {what} was not looked up. Import the file again.")
        return False
    states = [state for listed in found.values() for state in (listed or [])]
    if not customers:
        report.note(
            row,
            f"paid on {source}, but this blog's Stripe account has no customer "
            "with this address: imported as a free member.",
        )
        return False
    if not states:
        if None in found.values():
            report.note(
                row,
                f"Stripe has no customer {customers[0]} on this blog's account "
                f"({lookup.account}): is it the account {source} used? Imported "
                "as a free member.",
            )
        else:
            report.note(row, f"{customers[0]} has no subscription at Stripe: a free member.")
        return False
    state = _current(states)
    if state.status not in RUNNING:
        report.note(row, f"{state.id} has ended at Stripe ({state.status}): a free member.")
        return False
    if not TierPrice.objects.filter(stripe_price_id=state.price_id).exists():
        if tier is None or state.interval not in TierPrice.Interval.values:
            report.note(
                row,
                f"price {state.price_id} ({_price_text(state)}) matches no tier: "
                "add it to a tier (choose the tier in the import form), then "
                "import again. Imported as a free member.",
            )
            return False
        TierPrice.objects.get_or_create(
            stripe_price_id=state.price_id,
            defaults={"tier": tier, "interval": state.interval, "amount": state.amount,
                      "currency": state.currency, "stripe_account": lookup.account,
                      "current": False},
        )  # fmt: skip
    theirs = Q(stripe_subscription_id=state.id)
    if state.customer:
        theirs |= Q(stripe_customer_id=state.customer)
    other = (
        ReaderMembership.objects.filter(theirs)
        .exclude(subscriber=subscriber)
        .select_related("subscriber")
        .first()
    )
    if other is not None:
        report.note(
            row,
            f"{state.customer} belongs to {other.subscriber.email} on this blog: "
            "not attached to this address.",
        )
        return False
    membership = ReaderMembership.objects.filter(subscriber=subscriber).first()
    if (
        membership is not None
        and membership.stripe_subscription_id not in ("", state.id)
        and membership.status in PAYING
    ):
        report.note(
            row,
            f"already pays here ({membership.stripe_subscription_id}), so "
            f"{state.id} was not attached: cancel one of the two at Stripe.",
        )
        return False
    created = membership is None
    membership = membership or services.membership_for(subscriber=subscriber)
    services.membership_apply(
        tenant_id=tenant.id, membership_id=membership.id, state=state,
        subscription_id=state.id, force=True,
    )  # fmt: skip
    if created:
        ReaderMembership.objects.filter(id=membership.id).update(source=IMPORTED)
    return True


def _comp(row: Row, subscriber: Subscriber, *, tenant: Tenant, tier: Tier | None,
          tiers: list[Tier], report: ImportReport, source: str) -> bool:  # fmt: skip
    by_name = {t.name.lower(): t for t in tiers}
    named = [by_name[name.lower()] for name in row.tiers if name.lower() in by_name]
    active = [t for t in tiers if t.active]
    chosen = named[0] if named else tier or (active[0] if len(active) == 1 else None)
    if chosen is None:
        names = ", ".join(row.tiers) or "none named"
        report.note(
            row,
            f"complimentary on {source} ({names}), but no tier here has that "
            "name: choose the tier in the import form, then import again. "
            "Imported as a free member.",
        )
        return False
    if row.comp_until is not None and row.comp_until <= timezone.now():
        report.note(
            row,
            f"the complimentary membership ended on {row.comp_until:%Y-%m-%d}: "
            "imported as a free member.",
        )
        return False
    current = ReaderMembership.objects.filter(subscriber=subscriber).first()
    if current is not None and current.status == Status.COMPED and current.tier_id == chosen.id:
        return True  # given already (an earlier import): no second "comped" event
    try:
        membership = services.comp_give(
            tenant_id=tenant.id, email=subscriber.email, tier=chosen, until=row.comp_until
        )
    except ApplicationError as exc:
        report.note(row, f"{exc.message} Not made complimentary.")
        return False
    if current is None:
        ReaderMembership.objects.filter(id=membership.id).update(source=IMPORTED)
    return True


# --- the import -----------------------------------------------------------------------------


def _new_active(rows: list[Row]) -> int:
    emails = [row.email for row in rows if row.subscribed]
    known: set[str] = set()
    for start in range(0, len(emails), 5000):
        chunk = emails[start : start + 5000]
        known.update(Subscriber.objects.filter(email__in=chunk).values_list("email", flat=True))
    return len(set(emails) - known)


def _subscribers_write(*, tenant: Tenant, rows: list[Row], report: ImportReport) -> None:
    existing: dict[str, Subscriber] = {}
    emails = [row.email for row in rows]
    for start in range(0, len(emails), 5000):
        chunk = emails[start : start + 5000]
        existing.update({s.email: s for s in Subscriber.objects.filter(email__in=chunk)})
    new = [row for row in rows if row.email not in existing]
    subscribers_limit_check(tenant_id=tenant.id, adding=sum(row.subscribed for row in new))
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=row.email, name=row.name, source="import",
                status=CONFIRMED if row.subscribed else UNSUBSCRIBED,
                created_at=min(row.created_at or now, now), confirmed_at=now,
                ended_at=None if row.subscribed else now,
            )
            for row in new
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )  # fmt: skip
    for row in rows:  # a name the member had there, where we had none
        if row.name and row.email in existing and not existing[row.email].name:
            Subscriber.objects.filter(id=existing[row.email].id, name="").update(name=row.name)
    report.members, report.added = len(rows), len(new)


def members_import(*, tenant: Tenant, parsed: Parsed, tier: Tier | None = None) -> ImportReport:
    """Write the parsed rows (in the blog's schema); `tier` takes the paid rows whose price is
    no tier's and the comped rows whose tier has no match here."""
    report = parsed.report
    report.members = report.added = report.paid = report.comped = 0
    _subscribers_write(tenant=tenant, rows=parsed.rows, report=report)
    source = SOURCES[parsed.source]
    lookup = _Stripe(tenant_id=tenant.id)
    if sum(1 for row in parsed.rows if row.customer or row.find_customer) > PREFETCH_OVER:
        lookup.prefetch()
    tiers = list(Tier.objects.all())
    for row in parsed.rows:
        if not (row.customer or row.find_customer or row.comped):
            continue
        subscriber = Subscriber.objects.get(email=row.email)
        try:
            if (row.customer or row.find_customer) and _paid(
                row, subscriber, tenant=tenant, tier=tier, lookup=lookup, report=report,
                source=source,
            ):  # fmt: skip
                report.paid += 1
            elif row.comped and _comp(
                row, subscriber, tenant=tenant, tier=tier, tiers=tiers, report=report,
                source=source,
            ):  # fmt: skip
                report.comped += 1
        except IntegrityError:  # the same subscription given to another member meanwhile
            report.note(row, "changed by someone else during the import: import again.")
    return report


# --- the job: upload, worker, report ----------------------------------------------------------


def _tier(tier_id: int | None) -> Tier | None:
    if not tier_id:
        return None
    tier = Tier.objects.filter(id=tier_id).first()
    if tier is None:
        raise MemberImportInvalid("The chosen tier no longer exists: choose another one.")
    return tier


def _state_set(schema_name: str, state: dict) -> None:
    cache.set(_JOB.format(schema=schema_name, job=state["id"]), state, timeout=KEEP_SECONDS)


def member_import_start(*, tenant: Tenant, upload: UploadedFile, tier_id: int | None) -> str:
    """Check the upload, keep it and queue its import (after commit): the job's id."""
    if upload.size > MAX_BYTES:
        raise MemberImportInvalid(too_large_message(upload.size))
    data = upload.read()
    parsed = members_csv_read(data)
    tier = _tier(tier_id)
    subscribers_limit_check(tenant_id=tenant.id, adding=_new_active(parsed.rows))
    job_id = secrets.token_hex(8)
    path = storages["private"].save(
        f"{tenant.schema_name}/member-imports/{job_id}.csv", ContentFile(data)
    )
    state = {
        "id": job_id, "status": "queued", "source": parsed.source, "path": path,
        "rows": len(parsed.rows) + parsed.report.skipped, "tier_id": tier.id if tier else None,
        "started_at": timezone.now(), "finished_at": None, "report": None, "error": "",
    }  # fmt: skip
    try:
        _state_set(tenant.schema_name, state)
        cache.set(_LATEST.format(schema=tenant.schema_name), job_id, timeout=KEEP_SECONDS)
    except Exception:  # noqa: BLE001 (Redis down: nowhere to report to, so no import)
        storages["private"].delete(path)
        raise Unavailable(
            "The import could not be queued just now: try again in a minute."
        ) from None
    dispatch.member_import_run(job_id, schema_name=tenant.schema_name)
    return job_id


def member_import_get(*, tenant: Tenant, job_id: str) -> dict | None:
    return cache.get(_JOB.format(schema=tenant.schema_name, job=job_id))


def member_import_latest(*, tenant: Tenant) -> dict | None:
    job_id = cache.get(_LATEST.format(schema=tenant.schema_name))
    return member_import_get(tenant=tenant, job_id=job_id) if job_id else None


def member_import_run(*, tenant: Tenant, job_id: str) -> dict | None:
    """The worker's part (in the blog's schema). A finished or forgotten job is left alone;
    a redelivered one runs again, which the import allows."""
    state = member_import_get(tenant=tenant, job_id=job_id)
    if state is None or state["status"] in ("done", "failed"):
        return state
    state["status"] = "running"
    _state_set(tenant.schema_name, state)
    try:
        with storages["private"].open(state["path"], "rb") as stored:
            parsed = members_csv_read(stored.read())
        report = members_import(tenant=tenant, parsed=parsed, tier=_tier(state["tier_id"]))
    except ApplicationError as exc:
        state.update(status="failed", error=exc.message, finished_at=timezone.now())
    else:
        state.update(status="done", report=asdict(report), finished_at=timezone.now())
    _state_set(tenant.schema_name, state)
    storages["private"].delete(state["path"])
    return state


def member_import_fail(*, tenant: Tenant, job_id: str) -> None:
    """A bug stopped the job: say so on the page rather than leave it running."""
    state = member_import_get(tenant=tenant, job_id=job_id)
    if state is not None:
        state.update(
            status="failed",
            finished_at=timezone.now(),
            error="The import stopped on an error of ours: we are looking into it. "
            "Importing the file again is safe.",
        )
        _state_set(tenant.schema_name, state)
