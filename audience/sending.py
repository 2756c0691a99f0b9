"""Sending a newsletter: one Delivery row per (send, address), claimed before the mail goes
out and marked after, so that a send can be stopped anywhere (a worker SIGKILLed, redelivered)
and resumed so that every address ends up with the newsletter once.

The order of the steps for each message, and why
-------------------------------------------------
SMTP commits a message at one point: the server accepts it when it reads the "." that ends
DATA (RFC 5321 4.1.1.4); a connection that drops before that leaves nothing delivered, and a
"." the worker has written reaches the server even if the worker dies at once (the kernel
sends what the socket holds before its FIN). The database commits the delivery's mark at
another point. Nothing makes the two one atomic step, so the ledger keeps the one state in
between:

1. claim a batch: its rows go `pending` -> `sending` (one UPDATE, committed);
2. per message: MAIL FROM, RCPT TO, DATA, the message's bytes (all but the final ".");
3. mark the row `ending` and wait for the COMMIT (a second, autocommit connection in
   psycopg2's asynchronous mode: the mark travels while the body does);
4. write the final "." and read the server's answer;
5. 250: mark the row `sent` (on its way while the next message's commands are); a 4xx puts
   it back to `pending` for a later attempt (NEWSLETTER_MAX_ATTEMPTS, backing off); a 5xx
   marks it `failed`.

A restart (the redelivered task) finds three kinds of unfinished rows:

- `sending`: its "." was never written (step 4 follows a committed step 3), so nothing was
  delivered: it is sent;
- `ending`: its "." may have reached the server before the worker died. It is sent again
  with the **same Message-ID** (`delivery_message_id`, one per send and address): the
  receiving side sees the same message twice and files it once (Gmail does; so do Sieve's
  `duplicate` test, RFC 7352, and most mail stores). At most one row per SMTP connection is
  ever `ending`, so a killed run leaves at most one such copy;
- `sent`: accepted by the server (step 5 follows its 250): never sent again.

So no address is left out, and a second copy can only be the same message (at least once,
idempotent at the receiver), never a different one.

One send runs at a time: the task holds a PostgreSQL advisory lock (per schema and send) for
its whole run, released by the server when a killed worker's connection drops.
"""

import logging
import select
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

import psycopg2
import psycopg2.extensions
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg2 import sql

from audience import mail, segments, tokens
from audience.models import Delivery, Newsletter, Subscriber
from tenants.models import Tenant

logger = logging.getLogger(__name__)

D = Delivery.Status
# A run stops after this long and queues the rest (the task's time limits stay far away).
RUN_SECONDS = 180


@dataclass
class RunResult:
    sent: int = 0
    outcome: str = "done"  # done | more | retry | busy
    retry_in: int = 0


class _Marker:
    """A second, autocommit connection in psycopg2's asynchronous mode: `send()` writes a
    mark to the server and returns at once (after the previous mark's answer); `wait()` reads
    its answer."""

    def __init__(self, *, schema_name: str):
        db = connection.settings_dict
        self.conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            connect_timeout=5,
            async_=True,
        )
        self._poll()
        self.cursor = self.conn.cursor()
        self.pending = False
        table = sql.Identifier(schema_name, "audience_delivery")
        self.ending_sql = sql.SQL("UPDATE {} SET status = 'ending' WHERE id = %s").format(table)
        self.sent_sql = sql.SQL(
            "UPDATE {} SET status = 'sent', sent_at = now(), error = '' WHERE id = %s"
        ).format(table)

    def _poll(self) -> None:
        while True:
            state = self.conn.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            if state == psycopg2.extensions.POLL_READ:
                select.select([self.conn.fileno()], [], [], 10)
            elif state == psycopg2.extensions.POLL_WRITE:
                select.select([], [self.conn.fileno()], [], 10)

    def send(self, query: sql.Composed, delivery_id: int) -> None:
        self.wait()
        self.cursor.execute(query, [delivery_id])
        self.pending = True

    def wait(self) -> None:
        if self.pending:
            self.pending = False
            self._poll()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.conn.close()


def delivery_message_id(
    *, newsletter_id: int, delivery_id: int, schema_name: str, domain: str
) -> str:
    """One Message-ID per (send, address), the same on every attempt: a copy sent again after
    a doubt is the same message to the receiving servers, which may drop it as seen, and
    bounces and complaints name the delivery they are about (audience/views/webhook.py)."""
    return f"<n{newsletter_id}.d{delivery_id}.{schema_name}@{domain}>"


def _smtp_open() -> smtplib.SMTP:
    cls = smtplib.SMTP_SSL if getattr(settings, "EMAIL_USE_SSL", False) else smtplib.SMTP
    smtp = cls(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT)
    # The final "." goes out alone, right after the body: without this, Nagle's algorithm
    # holds it until the server's (delayed) ACK of the body, ~40 ms a message.
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    smtp.ehlo_or_helo_if_needed()
    if getattr(settings, "EMAIL_USE_TLS", False):
        smtp.starttls()
        smtp.ehlo()
    if getattr(settings, "EMAIL_HOST_USER", ""):
        smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return smtp


class _Refused(Exception):
    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}")
        self.code = code


def _body(raw: bytes) -> bytes:
    """The DATA bytes without the final ".": line ends CRLF, leading dots doubled."""
    body = smtplib._quote_periods(raw)  # smtplib's own step (its data() does the same)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def _send_one(smtp: smtplib.SMTP, marker: _Marker, *, delivery_id: int, sender: str,
              to: str, raw: bytes) -> None:  # fmt: skip
    """Steps 2 to 5 of the module's docstring. Raises _Refused for an SMTP refusal (the row is
    `sending`, or `ending` if the refusal answered the "."; the caller records it)."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise _Refused(code, text.decode(errors="replace"))
    code, text = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise _Refused(code, text.decode(errors="replace"))
    code, text = smtp.docmd("DATA")
    if code != 354:
        smtp.rset()
        raise _Refused(code, text.decode(errors="replace"))
    marker.send(marker.ending_sql, delivery_id)  # in doubt from the "." on...
    smtp.send(_body(raw))
    marker.wait()  # ...so committed before it
    smtp.sock.sendall(b".\r\n")
    code, text = smtp.getreply()
    if code != 250:
        raise _Refused(code, text.decode(errors="replace"))
    marker.send(marker.sent_sql, delivery_id)  # accepted: never sent again


def _lock_key(schema_name: str, newsletter_id: int) -> str:
    return f"newsletter:{schema_name}:{newsletter_id}"


def _lock(key: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        return cursor.fetchone()[0]


def _unlock(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _deliveries_make(newsletter: Newsletter) -> int:
    """One pending row per confirmed subscriber, made once when the send starts (who was
    subscribed then gets it; who confirms later does not)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audience_delivery (newsletter_id, email, status, attempts, error) "
            "SELECT %s, email, 'pending', 0, '' FROM audience_subscriber WHERE status = %s "
            "ON CONFLICT DO NOTHING",
            [newsletter.id, Subscriber.Status.CONFIRMED],
        )
    return Delivery.objects.filter(newsletter_id=newsletter.id).count()


def _claim(newsletter_id: int, size: int, *, due_by) -> list[tuple[int, str]]:
    """Take up to `size` pending rows due by `due_by` (the run's start: a row put back during
    this run waits for the next one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audience_delivery d SET status = 'sending', attempts = d.attempts + 1 "
            "FROM (SELECT id FROM audience_delivery WHERE newsletter_id = %s "
            "      AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
            "      ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) picked "
            "WHERE d.id = picked.id RETURNING d.id, d.email",
            [newsletter_id, due_by, size],
        )
        return sorted(cursor.fetchall())


def _retry_later(ids: list[int], *, error: str) -> None:
    """Temporary failure: back to pending with a growing wait, or failed after the last try."""
    if not ids:
        return
    base = settings.NEWSLETTER_RETRY_SECONDS
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audience_delivery SET "
            " status = CASE WHEN attempts >= %s THEN 'failed' ELSE 'pending' END, "
            " next_attempt_at = now() + make_interval(secs => %s * power(2, attempts - 1)), "
            " error = %s WHERE id = ANY(%s)",
            [settings.NEWSLETTER_MAX_ATTEMPTS, base, error[:300], ids],
        )


def newsletter_send_run(*, tenant: Tenant, newsletter_id: int) -> RunResult:
    """Send what is left of a newsletter (the current schema is the blog's). Safe to run again
    at any point; see the module's docstring."""
    key = _lock_key(tenant.schema_name, newsletter_id)
    if not _lock(key):
        return RunResult(outcome="busy")
    try:
        return _run(tenant=tenant, newsletter_id=newsletter_id)
    finally:
        _unlock(key)


def _run(*, tenant: Tenant, newsletter_id: int) -> RunResult:
    newsletter = Newsletter.objects.select_related("post").filter(id=newsletter_id).first()
    result = RunResult()
    if newsletter is None or newsletter.status not in (
        Newsletter.Status.QUEUED,
        Newsletter.Status.SENDING,
    ):
        return result
    if newsletter.status == Newsletter.Status.QUEUED:
        with transaction.atomic():
            recipients = _deliveries_make(newsletter)
            Newsletter.objects.filter(id=newsletter.id).update(
                status=Newsletter.Status.SENDING, started_at=timezone.now(), recipients=recipients
            )
    # What a killed run left unfinished (see above): `sending` rows were never delivered,
    # `ending` ones may have been and go again with the same Message-ID.
    doubt = Delivery.objects.filter(newsletter_id=newsletter.id, status=D.ENDING).update(
        status=D.PENDING
    )
    if doubt:
        logger.warning(
            "newsletter %s: %s message(s) in doubt sent again with their Message-ID",
            newsletter.id,
            doubt,
        )
    Delivery.objects.filter(newsletter_id=newsletter.id, status=D.SENDING).update(status=D.PENDING)
    parts = mail.newsletter_parts(tenant=tenant, post=newsletter.post)
    # A gated post: the public part (and an upgrade button) to those without access.
    public_parts = (
        mail.newsletter_parts(tenant=tenant, post=newsletter.post, full=False)
        if newsletter.post.is_gated
        else parts
    )
    domain = settings.PLATFORM_DOMAIN
    sender = parseaddr(parts["from"])[1]
    unsubscribe_base = mail.reader_url(tenant=tenant, path="/unsubscribe/")  # one query a run
    rate = settings.NEWSLETTER_RATE_PER_SECOND
    run_start = timezone.now()
    started = time.monotonic()
    pace_next = started
    while True:
        batch = _claim(newsletter.id, settings.NEWSLETTER_BATCH_SIZE, due_by=run_start)
        if not batch:
            break
        # Whoever unsubscribed or bounced since the send began is skipped (suppressed).
        active = dict(
            Subscriber.objects.filter(
                email__in=[email for _id, email in batch], status=Subscriber.Status.CONFIRMED
            ).values_list("email", "id")
        )
        gone = [delivery_id for delivery_id, email in batch if email not in active]
        if gone:
            Delivery.objects.filter(id__in=gone).update(status=D.SUPPRESSED)
        todo = [(d, e) for d, e in batch if e in active]
        full = segments.full_access(newsletter.post, [active[e] for _d, e in todo])
        try:
            smtp = _smtp_open() if todo else None
        except (OSError, smtplib.SMTPException) as exc:
            _retry_later([d for d, _e in todo], error=f"mail server: {exc}")
            return RunResult(sent=result.sent, outcome="retry", retry_in=30)
        marker = _Marker(schema_name=tenant.schema_name) if todo else None
        try:
            for index, (delivery_id, email) in enumerate(todo):
                if rate > 0:
                    pace_next += 1 / rate
                    pause = pace_next - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                token = tokens.unsubscribe_token_make(
                    schema_name=tenant.schema_name, subscriber_id=active[email]
                )
                message = mail.newsletter_message(
                    parts=parts if active[email] in full else public_parts,
                    to=email,
                    unsubscribe_url=f"{unsubscribe_base}{token}/",
                    message_id=delivery_message_id(
                        newsletter_id=newsletter.id,
                        delivery_id=delivery_id,
                        schema_name=tenant.schema_name,
                        domain=domain,
                    ),
                )
                try:
                    _send_one(smtp, marker, delivery_id=delivery_id, sender=sender, to=email,
                              raw=message.message().as_bytes(linesep="\r\n"))  # fmt: skip
                    result.sent += 1
                except _Refused as exc:
                    if 400 <= exc.code < 500:
                        _retry_later([delivery_id], error=str(exc))
                    else:
                        Delivery.objects.filter(id=delivery_id).update(
                            status=D.FAILED, error=str(exc)[:300]
                        )
                except (OSError, smtplib.SMTPException) as exc:
                    # The connection broke: this message and the rest of the batch later
                    # (this one with its Message-ID if its "." was written: `ending`).
                    rest = [d for d, _e in todo[index:]]
                    Delivery.objects.filter(id__in=rest, status__in=(D.SENDING, D.ENDING)).update(
                        status=D.PENDING, next_attempt_at=timezone.now() + timedelta(seconds=30)
                    )
                    logger.warning("newsletter %s: mail server failed: %s", newsletter.id, exc)
                    return RunResult(sent=result.sent, outcome="retry", retry_in=30)
        finally:
            if marker is not None:
                marker.close()
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()
        if time.monotonic() - started > RUN_SECONDS:
            return RunResult(sent=result.sent, outcome="more")
    waiting = (
        Delivery.objects.filter(newsletter_id=newsletter.id, status=D.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if (
        waiting is not None
        or Delivery.objects.filter(newsletter_id=newsletter.id, status=D.PENDING).exists()
    ):
        wait = max(1, int((waiting - timezone.now()).total_seconds()) + 1) if waiting else 1
        return RunResult(sent=result.sent, outcome="retry", retry_in=wait)
    Newsletter.objects.filter(id=newsletter.id).update(
        status=Newsletter.Status.DONE, finished_at=timezone.now()
    )
    return result
