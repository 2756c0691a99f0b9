"""A real SMTP server (aiosmtpd) for browser journeys that read their mail."""

import email
import email.policy
import re
import time

import pytest
from aiosmtpd.controller import Controller

from tests.support.net import free_port


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def wait_for(self, to: str, subject_part: str = "", timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["To"] and subject_part in message["Subject"]:
                    return message
            time.sleep(0.1)
        seen = [(m["To"], m["Subject"]) for m in self.messages]
        raise AssertionError(f"no mail to {to} about {subject_part!r}; got {seen}")

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, message, pattern: str) -> str:
        found = re.search(pattern + r"\S*", self.text(message))
        assert found, self.text(message)
        return found.group(0)


@pytest.fixture
def smtp_inbox(settings):
    """Start an SMTP server and point Django's SMTP backend (used by the live server) at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()
