"""The blog as an oEmbed provider: the post page's discovery link, the card (escaped, with no
script), and the answers for what has no card: another blog's post, a draft, a bad request."""

from urllib.parse import quote

import html5lib
import pytest

from tenants.context import tenant_context
from tests.conftest import blog_host, host_client
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def _post(tenant, **values):
    with tenant_context(tenant):
        return PostFactory(tenant=tenant, **values)


def _card(tenant, url: str, **params):
    return host_client(tenant).get("/oembed/", {"url": url, **params})


def test_the_post_page_names_its_card_and_the_card_is_escaped_html(tenant):
    post = _post(
        tenant, title='Tides <script>alert("t")</script>', body="Moon and *sea*.",
        cover_image_url="https://images.example.org/tide.jpg",
    )  # fmt: skip
    page = host_client(tenant).get(f"/{post.slug}/")
    doc = html5lib.parse(page.content, namespaceHTMLElements=False)
    links = [el for el in doc.iter("link") if el.get("type") == "application/json+oembed"]
    assert len(links) == 1
    href = links[0].get("href")
    assert href.startswith(f"http://{blog_host(tenant.subdomain)}/oembed/?url=")
    answer = host_client(tenant).get(href.split(blog_host(tenant.subdomain), 1)[1])
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    card = answer.json()
    assert (card["version"], card["type"], card["width"]) == ("1.0", "rich", 550)
    assert card["title"] == post.title and card["provider_name"]
    assert card["thumbnail_url"] == "https://images.example.org/tide.jpg"
    fragment = html5lib.parseFragment(card["html"], namespaceHTMLElements=False)
    assert not list(fragment.iter("script"))
    assert "Moon and sea." in "".join(fragment.itertext())
    assert 'alert("t")' in "".join(fragment.itertext())  # the title is text, not markup
    link = fragment.find(".//a")
    assert link.get("href") == f"http://{blog_host(tenant.subdomain)}/{post.slug}/"
    assert _card(tenant, card_url(tenant, post), maxwidth="5000").json()["width"] == 1000


def card_url(tenant, post) -> str:
    return f"http://{blog_host(tenant.subdomain)}/{post.slug}/"


def test_another_blogs_post_or_host_has_no_card_here(tenant, other_tenant):
    theirs = _post(other_tenant, title="Bravo's own", body="Their words.")
    ours = _post(tenant, title="Ours")
    # Bravo's post, asked of alpha: by bravo's address, or by its slug on alpha's address.
    assert _card(tenant, card_url(other_tenant, theirs)).status_code == 404
    on_ours = f"http://{blog_host(tenant.subdomain)}/{theirs.slug}/"
    assert _card(tenant, on_ours).status_code == 404
    # Alpha's post, asked of bravo.
    assert _card(other_tenant, card_url(tenant, ours)).status_code == 404
    assert _card(tenant, card_url(tenant, ours)).status_code == 200


def test_drafts_bad_requests_and_other_formats_get_clear_answers(tenant):
    draft = _post(tenant, title="Not yet", action="save")
    assert _card(tenant, card_url(tenant, draft)).status_code == 404
    missing = host_client(tenant).get("/oembed/")
    assert missing.status_code == 400 and "url" in missing.json()["error"]
    post = _post(tenant, title="Here")
    xml = _card(tenant, card_url(tenant, post), format="xml")
    assert xml.status_code == 501 and "json" in xml.json()["error"]
    for bad in ("javascript:alert(1)", "not a url", "http:///x/", "x" * 3000,
                f"http://{blog_host(tenant.subdomain)}/{quote('a/b')}/"):  # fmt: skip
        answer = _card(tenant, bad)
        assert answer.status_code in (400, 404), (bad, answer.status_code)
        assert answer.json()["error"]
