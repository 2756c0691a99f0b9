"""The Akismet spam check (comments/spam.py) against a local Akismet (tests/support/akismet.py):
verdicts, the form fields Akismet is sent, and every failure raising SpamCheckUnavailable."""

from datetime import UTC, datetime

import pytest

from comments.models import Comment
from comments.spam import (
    AkismetKeyInvalid,
    SpamCheckUnavailable,
    akismet_key_valid,
    akismet_report,
    akismet_verdict,
)
from lib.urls import blog_url
from tenants.context import tenant_context
from tests.factories import PostFactory
from tests.support.akismet import KEY, FakeAkismet
from tests.support.net import free_port


@pytest.fixture
def fake_akismet(settings):
    fake = FakeAkismet().start()
    settings.QUIRE_AKISMET_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def post(tenant):
    return PostFactory(tenant=tenant, title="On gardens")


def comment_make(tenant, post, **fields) -> Comment:
    values = {
        "author_name": "Ann Reader",
        "author_email": "ann@example.org",
        "author_url": "https://ann.example.org/",
        "body": "Lovely post, thank you.",
        "body_html": "<p>Lovely post, thank you.</p>",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "created_at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
    } | fields
    with tenant_context(tenant):
        return Comment.objects.create(post=post, **values)


def check(tenant, post, comment, *, key=KEY) -> bool:
    return akismet_verdict(
        key=key,
        blog_url=blog_url(subdomain=tenant.subdomain),
        comment=comment,
        permalink=permalink(tenant, post, comment),
    )


def permalink(tenant, post, comment) -> str:
    return blog_url(subdomain=tenant.subdomain, path=f"/{post.slug}/#comment-{comment.id}")


@pytest.mark.parametrize(
    "fields, spam",
    [
        ({}, False),
        ({"body": "Cheap VIAGRA here"}, True),
        ({"author_name": "spammer"}, True),
    ],
)
def test_the_verdict_is_akismets(fake_akismet, tenant, post, fields, spam):
    comment = comment_make(tenant, post, **fields)
    assert check(tenant, post, comment) is spam
    assert len(fake_akismet.at("/1.1/comment-check")) == 1


def test_the_check_sends_the_comment_and_where_it_was_made(fake_akismet, tenant, post):
    comment = comment_make(tenant, post)
    check(tenant, post, comment)

    [call] = fake_akismet.calls
    assert call.path == "/1.1/comment-check"
    assert call.form == {
        "api_key": KEY,
        "blog": blog_url(subdomain=tenant.subdomain),
        "user_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "comment_type": "comment",
        "comment_author": "Ann Reader",
        "comment_author_email": "ann@example.org",
        "comment_author_url": "https://ann.example.org/",
        "comment_content": "Lovely post, thank you.",
        "comment_date_gmt": "2026-03-01T12:30:00+00:00",
        "permalink": permalink(tenant, post, comment),
        "blog_charset": "UTF-8",
    }
    assert call.headers["Host"] == f"127.0.0.1:{fake_akismet.port}"
    assert call.headers["User-Agent"].startswith("akismet.py/")


def test_empty_fields_are_left_out(fake_akismet, tenant, post):
    comment = comment_make(tenant, post, author_email="", author_url="", user_agent="", ip=None)
    assert check(tenant, post, comment) is False
    form = fake_akismet.calls[0].form
    assert "comment_author_email" not in form and "comment_author_url" not in form
    assert "user_agent" not in form
    assert form["user_ip"] == ""  # a required field: an imported comment has no address


def test_a_base_url_with_a_trailing_slash_works(fake_akismet, settings, tenant, post):
    settings.QUIRE_AKISMET_URL = fake_akismet.url + "/"
    assert check(tenant, post, comment_make(tenant, post, body="viagra")) is True
    assert fake_akismet.calls[0].path == "/1.1/comment-check"


def test_a_refused_key_tells_the_owner_to_check_it(fake_akismet, tenant, post):
    comment = comment_make(tenant, post)
    with pytest.raises(AkismetKeyInvalid) as caught:
        check(tenant, post, comment, key="wrong-key")
    assert isinstance(caught.value, SpamCheckUnavailable)
    assert "check the Akismet key" in caught.value.message
    assert blog_url(subdomain=tenant.subdomain) in caught.value.message


def test_akismet_down_gives_no_verdict(settings, tenant, post):
    settings.QUIRE_AKISMET_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    comment = comment_make(tenant, post)
    with pytest.raises(SpamCheckUnavailable, match="could not be reached") as caught:
        check(tenant, post, comment)
    assert not isinstance(caught.value, AkismetKeyInvalid)


def test_a_slow_akismet_times_out(fake_akismet, settings, tenant, post):
    settings.QUIRE_AKISMET_TIMEOUT = 0.2
    fake_akismet.delay = 5.0
    comment = comment_make(tenant, post)
    with pytest.raises(SpamCheckUnavailable, match="no answer within 0.2 s"):
        check(tenant, post, comment)


def test_an_error_status_gives_no_verdict(fake_akismet, tenant, post):
    fake_akismet.status = 503
    comment = comment_make(tenant, post, body="viagra")
    with pytest.raises(SpamCheckUnavailable, match="HTTP status 503"):
        check(tenant, post, comment)


def test_an_answer_akismet_does_not_document_gives_no_verdict(fake_akismet, tenant, post):
    fake_akismet.answer = "maybe"
    comment = comment_make(tenant, post, body="viagra")
    with pytest.raises(SpamCheckUnavailable, match="does not document"):
        check(tenant, post, comment)


def test_each_blog_is_checked_under_its_own_key_and_address(
    fake_akismet, tenant, other_tenant, post
):
    other_post = PostFactory(tenant=other_tenant, title="On gardens")
    mine, theirs = comment_make(tenant, post), comment_make(other_tenant, other_post)
    check(tenant, post, mine)
    with pytest.raises(AkismetKeyInvalid):
        check(other_tenant, other_post, theirs, key="bravo-key")
    first, second = (call.form for call in fake_akismet.calls)
    assert (first["api_key"], first["blog"]) == (KEY, blog_url(subdomain=tenant.subdomain))
    assert first["permalink"] == permalink(tenant, post, mine)
    assert (second["api_key"], second["blog"]) == (
        "bravo-key",
        blog_url(subdomain=other_tenant.subdomain),
    )
    assert second["permalink"] == permalink(other_tenant, other_post, theirs)


@pytest.mark.parametrize("spam, path", [(True, "/1.1/submit-spam"), (False, "/1.1/submit-ham")])
def test_a_moderators_verdict_is_reported(fake_akismet, tenant, post, spam, path):
    comment = comment_make(tenant, post)
    akismet_report(
        key=KEY,
        blog_url=blog_url(subdomain=tenant.subdomain),
        comment=comment,
        permalink=permalink(tenant, post, comment),
        spam=spam,
    )
    [call] = fake_akismet.calls
    assert call.path == path
    assert call.form["comment_content"] == "Lovely post, thank you."
    assert call.form["comment_type"] == "comment"
    assert call.form["user_ip"] == "203.0.113.7"


def test_a_report_with_a_refused_key_raises(fake_akismet, tenant, post):
    comment = comment_make(tenant, post)
    with pytest.raises(AkismetKeyInvalid):
        akismet_report(
            key="wrong-key",
            blog_url=blog_url(subdomain=tenant.subdomain),
            comment=comment,
            permalink=permalink(tenant, post, comment),
            spam=True,
        )


def test_the_key_can_be_verified(fake_akismet, tenant):
    url = blog_url(subdomain=tenant.subdomain)
    assert akismet_key_valid(key=KEY, blog_url=url) is True
    assert akismet_key_valid(key="wrong-key", blog_url=url) is False
    assert [call.form for call in fake_akismet.at("/1.1/verify-key")] == [
        {"key": KEY, "blog": url},
        {"key": "wrong-key", "blog": url},
    ]
