"""Subscribers and newsletters: a real SMTP server (aiosmtpd) that counts what it receives."""

import asyncio
import email
import email.policy
import logging
import re
import threading
from collections import Counter, defaultdict

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from audience.models import Subscriber
from tenants.context import tenant_context
from tests.e2e.smtp import Inbox
from tests.support.net import free_port

# aiosmtpd logs every command at INFO: thousands of lines per send.
logging.getLogger("mail.log").setLevel(logging.WARNING)

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class CountingInbox(Inbox):
    """Inbox that also counts copies per recipient (envelope) and notes each copy's
    Message-ID, and can refuse with a code."""

    def __init__(self):
        super().__init__()
        self.copies: Counter[str] = Counter()
        self.message_ids: dict[str, list[str]] = defaultdict(list)  # recipient -> per copy
        self.refuse: dict[str, str] = {}  # recipient -> SMTP reply to the end of DATA
        self.stall: dict[str, float] = {}  # recipient -> seconds its next copy's 250 waits
        self.lock = threading.Lock()
        self.parse = True  # False: count only (the 5,000-subscriber send)

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.refuse:
                return self.refuse[rcpt]
        with self.lock:
            headers = re.split(rb"\r?\n\r?\n", envelope.content, maxsplit=1)[0]
            found = MESSAGE_ID.search(headers)
            for rcpt in envelope.rcpt_tos:
                self.copies[rcpt] += 1
                self.message_ids[rcpt].append(found.group(1).decode() if found else "")
            if self.parse:
                self.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
        stall = max((self.stall.pop(rcpt, 0) for rcpt in envelope.rcpt_tos), default=0)
        if stall:  # accepted, but the answer comes after the sender has stopped waiting
            await asyncio.sleep(stall)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.copies.clear()
            self.message_ids.clear()
            self.refuse.clear()
            self.stall.clear()
        self.parse = True


@pytest.fixture(scope="module")
def smtp_server():
    inbox = CountingInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(smtp_server, settings):
    """The module's SMTP server, emptied, with Django's SMTP backend pointed at it."""
    smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_server


def subscribers_add(tenant, emails, *, status=Subscriber.Status.CONFIRMED):
    with tenant_context(tenant):
        Subscriber.objects.bulk_create(
            [Subscriber(email=e, status=status, source="import") for e in emails]
        )
    connection.set_schema_to_public()
