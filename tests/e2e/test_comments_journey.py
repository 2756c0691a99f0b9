"""Comments in Chromium, with a real Celery worker mailing through a real SMTP server: reader
Ann signs in by the mailed link and comments; her first comment waits, and the post's author
approves it from the link in the mail; Bob signs in and replies (held too, approved the same
way), and Ann is mailed; she stops those mails from the link (RFC 8058's one-click POST works
as well); further replies mail her nothing."""

import http.client
import re
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from playwright.sync_api import expect

from comments.models import Comment
from tenants.context import tenant_context
from tests.e2e.smtp import Inbox
from tests.factories import PostFactory
from tests.support.net import free_port
from tests.tasks.conftest import purge_all_queues, start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUES = "default,newsletters"  # comment mails; the sign-in mail (tasks.newsletters.*)
FORM_WAIT_MS = 3100  # a comment sent sooner than 3 s after its form's token is refused


@pytest.fixture
def mailing(live_server, tmp_path):
    """A real SMTP server and a worker that mails through it, with links to the live server."""
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = live_server.url.rsplit(":", 1)[1]
    purge_all_queues(QUEUES)
    worker = start_worker(
        tmp_path / "worker.log",
        queues=QUEUES,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        QUIRE_PUBLIC_SCHEME="http",
        QUIRE_PUBLIC_PORT=port,
    )
    try:
        yield inbox, f"http://alpha.localhost:{port}"
    finally:
        worker.stop()
        controller.stop()
        purge_all_queues(QUEUES)


def _mail(inbox: Inbox, to: str, subject: str, containing: str = "", timeout: float = 30):
    """The mail to `to` whose subject has `subject` and whose text has `containing`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(inbox.messages):
            if to in message["To"] and subject in message["Subject"]:
                if containing in inbox.text(message):
                    return message
        time.sleep(0.1)
    seen = [(m["To"], m["Subject"]) for m in inbox.messages]
    raise AssertionError(f"no mail to {to} about {subject!r} with {containing!r}; got {seen}")


def _replies_mailed(inbox: Inbox, to: str) -> int:
    return sum(to in m["To"] and "replied to your comment" in m["Subject"] for m in inbox.messages)


def _reader(browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(20_000)
    return page


def _thread_until(page, selector: str, timeout: float = 30) -> None:
    """Reload until the thread shows `selector`: the fragment is cached for 10 s (also by the
    browser), so a reader sees a newly published comment within that."""
    deadline = time.monotonic() + timeout
    while True:
        page.reload()
        page.locator("#comments .thread").wait_for()
        if page.locator(f"#comments .thread {selector}").count():
            return
        assert time.monotonic() < deadline, f"{selector} never showed in the thread"
        page.wait_for_timeout(1000)


def _sign_in(page, inbox: Inbox, base: str, email: str, slug: str) -> None:
    page.locator(".comment-signin a", has_text="Sign in").click()
    page.wait_for_url(re.compile(r".*/members/signin/\?next="))
    page.fill("#signin-email", email)
    page.fill("#signin-name", email.split("@")[0])
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("main h1")).to_have_text("Check your inbox")
    message = _mail(inbox, email, "Sign in to")
    page.goto(inbox.link(message, re.escape(base) + "/members/signin/"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/{slug}/#comments")
    expect(page.locator(".comment-as")).to_have_text(f"Commenting as {email.split('@')[0]}")


def _comment(page, text: str) -> int:
    """Send the form (after the wait its token asks for); the id of the comment shown."""
    page.wait_for_timeout(FORM_WAIT_MS)
    page.fill(".comment-form textarea[name=body]", text)
    page.click(".comment-form button[type=submit]")
    shown = page.locator("article.comment", has_text=text)
    expect(shown).to_be_visible()
    return int(shown.get_attribute("id").removeprefix("comment-"))


def _approve(author, inbox: Inbox, email: str, text: str, base: str) -> None:
    """The post's author opens the mailed moderation link and approves."""
    message = _mail(inbox, email, "A comment waits on “Tides”", containing=text)
    assert "left a comment that waits for your approval" in inbox.text(message)
    author.goto(inbox.link(message, re.escape(base) + "/comments/moderate/"))
    expect(author.locator("blockquote")).to_contain_text(text)
    expect(author.locator("main")).to_contain_text("Status: Waiting for approval")
    author.get_by_role("button", name="Approve").click()
    expect(author.locator(".notice")).to_have_text("Approved: it is published.")


def _notify_replies(tenant, comment_id: int) -> bool:
    with tenant_context(tenant):
        return Comment.objects.get(id=comment_id).notify_replies


def _one_click(url: str) -> int:
    """What a mail client does with List-Unsubscribe-Post (RFC 8058): a bare POST, no cookie."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(
            "POST",
            parts.path,
            body="List-Unsubscribe=One-Click",
            headers={"Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded"},
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_members_comment_the_author_moderates_by_mail_and_replies_can_be_stopped(
    browser, make_blog, mailing
):
    inbox, base = mailing
    tenant = make_blog("alpha")  # comment rules as a new blog has them: members, first held
    author_email = tenant.owner.email
    with tenant_context(tenant):
        post = PostFactory(tenant=tenant, title="Tides", body="The tide came in twice.")
    connection.set_schema_to_public()
    url = f"{base}/{post.slug}/"
    ann, bob, author = _reader(browser), _reader(browser), _reader(browser)
    try:
        # Ann, a reader: guests are asked to sign in; she does, by the mailed link.
        ann.goto(url)
        expect(ann.locator("#comments h2")).to_have_text("0 comments")
        expect(ann.locator(".comment-signin")).to_be_visible()
        expect(ann.locator(".comment-form")).to_be_hidden()
        _sign_in(ann, inbox, base, "ann@example.org", post.slug)
        # Sent at once, the form is refused, and the typed text is kept.
        ann.fill(".comment-form textarea[name=body]", "Twice? Here it came in once.")
        ann.click(".comment-form button[type=submit]")
        expect(ann.locator(".comment-error")).to_contain_text("That was quick")
        expect(ann.locator(".comment-form textarea")).to_have_value("Twice? Here it came in once.")
        first = _comment(ann, "Twice? Here it came in once.")
        mine = ann.locator(f"#comment-{first}")
        expect(mine.locator(".notice")).to_have_text("Waiting for approval: only you see it.")
        expect(ann.locator("#comments h2")).to_have_text("0 comments")

        # Nobody else sees it while it waits.
        bob.goto(url)
        expect(bob.locator(".no-comments")).to_be_visible()
        expect(bob.locator("#comments")).not_to_contain_text("came in once")

        # The post's author is mailed, opens the link and approves.
        _approve(author, inbox, author_email, "Twice? Here it came in once.", base)
        _thread_until(ann, f"#comment-{first}:not(.pending)")
        expect(ann.locator("#comments h2")).to_have_text("1 comment")
        expect(ann.locator(f"#comment-{first} .notice")).to_have_count(0)

        # Bob sees it, signs in and replies; his first comment waits too.
        _thread_until(bob, f"#comment-{first}")
        expect(bob.locator(f"#comment-{first} .comment-body")).to_have_text(
            "Twice? Here it came in once."
        )
        _sign_in(bob, inbox, base, "bob@example.org", post.slug)
        bob.click(f"#comment-{first} button.reply")
        expect(bob.locator(".comment-reply-to")).to_contain_text("Replying to ann")
        reply = _comment(bob, "Here too, just once.")
        expect(
            bob.locator(f".comment-tree:has(#comment-{first}) .replies #comment-{reply}")
        ).to_be_visible()
        expect(bob.locator(f"#comment-{reply} .notice")).to_be_visible()
        expect(bob.locator(".comment-reply-to")).to_be_hidden()
        _approve(author, inbox, author_email, "Here too, just once.", base)

        # Ann is mailed about the reply, with a one-click unsubscribe.
        mailed = _mail(inbox, "ann@example.org", "bob replied to your comment on “Tides”")
        assert "Here too, just once." in inbox.text(mailed)
        unsubscribe = inbox.link(mailed, re.escape(base) + "/comments/replies/unsubscribe/")
        assert mailed["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
        assert mailed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        ann.goto(unsubscribe)
        assert _notify_replies(tenant, first)  # opening the link (a mail scanner) changes nothing
        ann.get_by_role("button", name="Stop emails about replies").click()
        expect(ann.locator(".notice")).to_have_text(
            "You won't get emails about replies to this comment any more."
        )
        assert not _notify_replies(tenant, first)

        # Ann answers Bob's reply: published at once, Bob is mailed, and he unsubscribes the
        # way a mail client does, by the one-click POST to the List-Unsubscribe URL.
        ann.goto(url)
        _thread_until(ann, f"#comment-{reply}:not(.pending)")
        ann.click(f"#comment-{reply} button.reply")
        answer = _comment(ann, "Then the moon is on your side.")
        expect(ann.locator(f"#comment-{answer} .notice")).to_have_count(0)
        to_bob = _mail(inbox, "bob@example.org", "ann replied to your comment")
        header = to_bob["List-Unsubscribe"].strip().strip("<>")
        assert header == inbox.link(to_bob, re.escape(base) + "/comments/replies/unsubscribe/")
        assert _one_click(header) == 200
        assert not _notify_replies(tenant, reply)
        _thread_until(bob, f"#comment-{answer}")
        expect(bob.locator(f"#comment-{answer} .replying")).to_have_text("replying to bob")
        expect(bob.locator("#comments h2")).to_have_text("3 comments")

        # Further replies to both: published, the author is mailed, Ann and Bob are not.
        bob.click(f"#comment-{first} button.reply")
        _comment(bob, "Once more, to Ann.")
        ann.click(f"#comment-{reply} button.reply")
        _comment(ann, "Once more, to Bob.")
        # The worker takes tasks one at a time, in order: once the author has the last
        # comment's mail, the tasks of both are done.
        _mail(inbox, author_email, "New comment on “Tides”", containing="Once more, to Bob.")
        time.sleep(1)
        assert _replies_mailed(inbox, "ann@example.org") == 1
        assert _replies_mailed(inbox, "bob@example.org") == 1
        _thread_until(ann, "article.comment:has-text('Once more, to Bob.')")
        expect(ann.locator("#comments h2")).to_have_text("5 comments")
    finally:
        for page in (ann, bob, author):
            page.context.close()
