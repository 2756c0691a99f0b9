"""The gated part of a post leaks through no public surface: the page and its meta tags,
the lists, the feeds, the sitemap, search (results and snippets), the Content API and the
newsletter to those without access. Each check fails if the post's gated part is rendered
into `body_html` (what every public surface reads)."""

import html5lib
import pytest

from audience.models import Newsletter, Subscriber
from blog.search import post_search_vector_refresh
from tenants.context import tenant_context
from tests.api.conftest import content_key
from tests.audience.conftest import inbox, smtp_server  # noqa: F401 (fixtures)
from tests.conftest import blog_host, host_client
from tests.memberships.conftest import PAID_BODY, PUBLIC, SECRET, paid_post, payer

PAID_BODY_CRLF = PAID_BODY.replace("\n", "\r\n")

pytestmark = pytest.mark.usefixtures("selling")


@pytest.fixture
def post(selling):
    made = paid_post(selling, tags="news")
    with tenant_context(selling):
        post_search_vector_refresh(post_id=made.id, config="english")
    return made


def _get(tenant, path, **params):
    answer = host_client(tenant).get(path, params)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.content.decode()


@pytest.mark.parametrize("path", ["/", "/archive/", "/tag/news/", "/feed/", "/rss/",
                                  "/tag/news/feed/", "/sitemap.xml"])  # fmt: skip
def test_lists_feeds_and_the_sitemap_show_no_gated_text(selling, post, path):
    text = _get(selling, path)
    assert SECRET not in text
    assert post.slug in text


def test_the_feeds_carry_the_public_part(selling, post):
    assert PUBLIC in _get(selling, "/rss/") and PUBLIC in _get(selling, "/feed/")


def test_the_page_and_its_meta_tags_show_the_public_part_only(selling, post):
    text = _get(selling, f"/{post.slug}/")
    assert SECRET not in text
    doc = html5lib.parse(text, namespaceHTMLElements=False)
    description = doc.find(".//meta[@name='description']").get("content")
    assert PUBLIC in description
    assert doc.find(".//section[@id='paywall']") is not None


def test_search_finds_the_public_words_never_the_gated_ones(selling, post):
    found = html5lib.parse(_get(selling, "/search/", q=PUBLIC), namespaceHTMLElements=False)
    assert f"/{post.slug}/" in [a.get("href") for a in found.find(".//main").iter("a")]
    assert SECRET not in "".join(found.find(".//main").itertext())  # the snippet
    results = html5lib.parse(_get(selling, "/search/", q=SECRET), namespaceHTMLElements=False)
    main = results.find(".//main")
    links = [a.get("href") for a in main.iter("a")]
    assert f"/{post.slug}/" not in links, links


def test_the_content_api_shows_the_public_part(selling, post):
    key = content_key(selling)
    listed = host_client(selling).get("/api/content/v1/posts/", {"key": key}).json()
    one = host_client(selling).get(f"/api/content/v1/posts/slug/{post.slug}/", {"key": key})
    for body in (str(listed), one.content.decode()):
        assert SECRET not in body and PUBLIC in body


def test_a_gated_post_without_a_marker_shows_no_body_anywhere(selling):
    hidden = paid_post(selling, title="All hidden", body=f"{SECRET} from the first word.")
    assert hidden.body_html == "" and SECRET in hidden.gated_html
    assert SECRET not in _get(selling, f"/{hidden.slug}/")
    assert SECRET not in _get(selling, "/rss/")


def test_a_public_post_with_a_stray_marker_shows_all_its_text(selling):
    open_post = paid_post(selling, title="Open", visibility="public")
    assert SECRET in open_post.body_html and open_post.gated_html == ""
    assert "members-only" not in open_post.body_html


def test_changing_only_the_visibility_moves_the_text_between_the_columns(selling, post):
    from blog.services.posts import post_update

    with tenant_context(selling):
        post_update(tenant=selling, post=post, title=post.title, body=post.body,
                    tags="news", action="publish", visibility="public")  # fmt: skip
        post.refresh_from_db()
    assert SECRET in post.body_html and post.gated_html == ""


@pytest.mark.django_db(transaction=True)  # the send's marker uses a second connection
def test_the_newsletter_goes_whole_to_payers_and_public_with_an_upgrade_to_the_rest(selling, inbox):  # noqa: F811
    from audience import sending

    client = payer(selling)
    with tenant_context(selling):
        Subscriber.objects.create(email="free@example.org", status=Subscriber.Status.CONFIRMED)
        Subscriber.objects.filter(id=client.member.id).update(status=Subscriber.Status.CONFIRMED)
    post = paid_post(selling, title="Sent post")
    with tenant_context(selling):
        newsletter = Newsletter.objects.create(post=post, subject=post.title)
        sending.newsletter_send_run(tenant=selling, newsletter_id=newsletter.id)
    got = {m["To"]: m for m in inbox.messages}
    assert set(got) == {"free@example.org", "payer@example.org"}

    def parts(message):
        return [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]

    assert all(SECRET in p for p in parts(got["payer@example.org"]))
    free = parts(got["free@example.org"])
    assert all(SECRET not in p and PUBLIC in p for p in free)
    assert all("/members/join/?next=/sent-post/" in p for p in free)


def test_a_marker_in_the_middle_of_a_line_splits_nothing_and_leaks_nothing(selling, inbox):  # noqa: F811
    from audience import mail

    body = f"{PUBLIC} then <!--members-only--> inline, and {SECRET} after it."
    hidden = paid_post(selling, title="Inline marker", body=body)
    with tenant_context(selling):
        post_search_vector_refresh(post_id=hidden.id, config="english")
        parts = mail.newsletter_parts(tenant=selling, post=hidden, full=False)
    assert hidden.body_html == ""
    assert SECRET not in parts["text"] and SECRET not in parts["html"]
    found = html5lib.parse(_get(selling, "/search/", q=SECRET), namespaceHTMLElements=False)
    assert f"/{hidden.slug}/" not in [a.get("href") for a in found.find(".//main").iter("a")]


def test_a_marker_line_with_windows_line_ends_splits_the_post(selling, post):
    crlf = paid_post(selling, title="Typed in a browser", body=PAID_BODY_CRLF)
    assert PUBLIC in crlf.body_html and SECRET not in crlf.body_html
    assert SECRET in crlf.gated_html


def test_a_marker_shown_in_a_code_block_splits_nothing_and_search_agrees(selling, inbox):  # noqa: F811
    """A writer explaining the marker in a code example: the post is split at the real
    marker line below it, and a post whose only marker is inside code stays wholly gated,
    in search and in the newsletter to free readers as on the page."""
    from audience import mail

    example = "```\n<!--members-only-->\n```"
    split = paid_post(
        selling, title="How to paywall",
        body=f"{PUBLIC} Put this on its own line:\n\n{example}\n\n<!--members-only-->\n{SECRET}.",
    )  # fmt: skip
    assert PUBLIC in split.body_html and "members-only" in split.body_html
    assert SECRET not in split.body_html and SECRET in split.gated_html
    only_code = paid_post(
        selling,
        title="Marker in code only",
        body=f"{PUBLIC}\n\n    <!--members-only-->\n\n{SECRET}",
    )
    assert only_code.body_html == "" and SECRET in only_code.gated_html
    with tenant_context(selling):
        for made in (split, only_code):
            post_search_vector_refresh(post_id=made.id, config="english")
        parts = mail.newsletter_parts(tenant=selling, post=only_code, full=False)
    assert PUBLIC not in parts["text"] and SECRET not in parts["html"]
    found = html5lib.parse(_get(selling, "/search/", q=PUBLIC), namespaceHTMLElements=False)
    links = [a.get("href") for a in found.find(".//main").iter("a")]
    assert f"/{split.slug}/" in links and f"/{only_code.slug}/" not in links
    secret = html5lib.parse(_get(selling, "/search/", q=SECRET), namespaceHTMLElements=False)
    links = [a.get("href") for a in secret.find(".//main").iter("a")]
    assert f"/{split.slug}/" not in links and f"/{only_code.slug}/" not in links


def test_the_oembed_card_shows_the_public_part_and_says_the_rest_is_for_members(selling, post):
    url = f"http://{blog_host(selling.subdomain)}/{post.slug}/"
    answer = host_client(selling).get("/oembed/", {"url": url})
    assert answer.status_code == 200
    card = answer.content.decode()
    assert SECRET not in card and PUBLIC in card
    assert "for paying members" in answer.json()["html"]
