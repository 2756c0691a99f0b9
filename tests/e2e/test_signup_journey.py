"""Browser journeys of accounts: sign up and confirm by mail (a real SMTP server), publish;
log in once and open two blogs; log out on one blog and be logged out everywhere; create a
second blog while logged in."""

import re

import pytest

from tests.conftest import add_member
from tests.e2e.smtp import smtp_inbox  # noqa: F401  (fixture)
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def port_of(live_server) -> str:
    return live_server.url.rsplit(":", 1)[1]


def test_sign_up_confirm_by_mail_write_publish_and_read(live_server, page, smtp_inbox):  # noqa: F811
    port = port_of(live_server)
    page.goto(f"http://localhost:{port}/")
    page.click("text=Start a blog")
    page.fill("input[name=blog_name]", "Night Notes")
    page.fill("input[name=subdomain]", "NightNotes")
    page.fill("input[name=email]", "night@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"http://localhost:{port}/accounts/confirm-email/")
    assert "Check your inbox" in page.content()

    message = smtp_inbox.wait_for("night@example.org", "Confirm your email address")
    body = smtp_inbox.text(message)
    assert f"http://nightnotes.localhost:{port}/" in body and "Night Notes" in body
    assert message.get_body(preferencelist=("html",)) is not None
    page.goto(smtp_inbox.link(message, f"http://localhost:{port}/accounts/confirm-email/"))
    page.click("button[type=submit]")
    page.wait_for_url(f"http://nightnotes.localhost:{port}/dashboard/")
    assert "night@example.org" in page.content()
    assert "Confirm your email address" not in page.content()

    page.click("text=New post")
    page.fill("input[name=title]", "Under the stars")
    page.fill("textarea[name=body]", "The sky was *clear* tonight.")
    page.fill("input[name=tags]", "Sky, Night")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    assert "Published" in page.content()

    page.goto(f"http://nightnotes.localhost:{port}/")
    assert page.locator("h2 a", has_text="Under the stars").is_visible()
    page.click("text=Under the stars")
    page.wait_for_url(f"http://nightnotes.localhost:{port}/under-the-stars/")
    assert page.locator("article em", has_text="clear").is_visible()


def root_log_in(page, port: str, email: str) -> None:
    page.goto(f"http://localhost:{port}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"http://localhost:{port}/blogs/")


def test_log_in_once_open_two_blogs_then_log_out_everywhere(live_server, page, make_blog):
    port = port_of(live_server)
    person = UserFactory(email="two@example.org")
    make_blog("alpha", owner=person, name="Alpha Log")
    beta = make_blog("beta", name="Beta Log")
    add_member(beta, "editor", person)

    root_log_in(page, port, "two@example.org")
    for subdomain, role in (("alpha", "owner"), ("beta", "editor")):
        page.goto(f"http://localhost:{port}/blogs/")
        page.click(f"a[href='/blogs/{subdomain}/open/']")
        page.wait_for_url(f"http://{subdomain}.localhost:{port}/dashboard/")
        assert f"two@example.org ({role})" in page.content()

    page.click("text=Log out")  # on beta
    page.wait_for_load_state()
    for url in (
        f"http://alpha.localhost:{port}/dashboard/",
        f"http://beta.localhost:{port}/dashboard/",
        f"http://localhost:{port}/blogs/",
    ):
        page.goto(url)
        assert "/accounts/login/" in page.url, url


def test_a_blogs_login_page_logs_in_with_the_quire_account(live_server, page, make_blog):
    port = port_of(live_server)
    person = UserFactory(email="via@example.org")
    make_blog("alpha", owner=person)
    page.goto(f"http://alpha.localhost:{port}/dashboard/")
    page.click("text=Log in with your Quire account")
    page.wait_for_url(re.compile(rf"http://localhost:{port}/accounts/login/.*"))
    page.fill("input[name=login]", "via@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"http://alpha.localhost:{port}/dashboard/")
    assert "via@example.org (owner)" in page.content()


def test_create_a_second_blog_while_logged_in(live_server, page, make_blog):
    port = port_of(live_server)
    person = UserFactory(email="more@example.org")
    make_blog("alpha", owner=person)
    root_log_in(page, port, "more@example.org")
    page.click("text=New blog")
    page.fill("input[name=blog_name]", "Second Wind")
    page.fill("input[name=subdomain]", "second")
    page.click("text=Create the blog")
    page.wait_for_url(f"http://second.localhost:{port}/dashboard/")
    assert "more@example.org (owner)" in page.content()
    page.goto(f"http://localhost:{port}/blogs/")
    assert page.locator("td", has_text="Second Wind").is_visible()
