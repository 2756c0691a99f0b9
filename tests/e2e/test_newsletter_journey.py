"""A reader subscribes on a blog in Chromium, confirms from the mail, the owner publishes a post
with "Email this post to subscribers" ticked, and the reader gets it: a real worker sends
through a real SMTP server (aiosmtpd)."""

import re

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from tests.audience.conftest import CountingInbox
from tests.factories import PASSWORD
from tests.support.net import free_port
from tests.tasks.conftest import purge_all_queues, start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_subscribe_confirm_publish_receive(live_server, page, make_blog, tmp_path):
    inbox = CountingInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    purge_all_queues("newsletters")
    worker = start_worker(
        tmp_path / "worker.log",
        queues="newsletters",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
    )
    try:
        tenant = make_blog("alpha")
        connection.set_schema_to_public()
        base = f"http://alpha.localhost:{live_server.url.rsplit(':', 1)[1]}"

        # the reader
        page.goto(f"{base}/")
        page.fill("#subscribe-email", "reader@example.org")
        page.get_by_role("button", name="Subscribe").click()
        page.wait_for_url(re.compile(r".*/subscribe/$"))
        assert "Check your inbox" in page.inner_text("main")
        confirm = inbox.wait_for("reader@example.org", "Confirm your subscription", timeout=20)
        link = inbox.link(confirm, r"https?://alpha\.localhost(:\d+)?/subscribe/confirm/")
        page.goto(base + "/subscribe/" + link.split("/subscribe/", 1)[1])
        page.get_by_role("button", name="Confirm my subscription").click()
        page.locator("#subscribe-result").wait_for()
        assert "You're subscribed" in page.inner_text("main")

        # the owner
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", tenant.owner.email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(re.compile(r".*/dashboard/$"))
        page.goto(f"{base}/dashboard/posts/new/")
        page.fill("input[name=title]", "Letters from the coast")
        page.fill("textarea[name=body]", "The tide came in **twice** today.")
        page.check("#email-subscribers")
        page.get_by_role("button", name="Publish").click()
        page.wait_for_url(re.compile(r".*/dashboard/$"))

        # the reader again
        letter = inbox.wait_for("reader@example.org", "Letters from the coast", timeout=30)
        html = letter.get_body(preferencelist=("html",)).get_content()
        assert "The tide came in <strong>twice</strong> today." in html
        assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        page.goto(f"{base}/dashboard/newsletters/")
        assert "Letters from the coast" in page.inner_text("#sends")
        assert inbox.copies["reader@example.org"] == 2  # the confirmation and the post
    finally:
        worker.stop()
        controller.stop()
