"""Favicon and meta descriptions, the search box and OpenSearch, the styled feed; each
scoped to its own blog."""

import xml.etree.ElementTree as ET
from xml.dom import minidom

import pytest

from tests.blog.conftest import write
from tests.conftest import host_client
from tests.html import find, parse

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("host", ["localhost", "www.localhost", "alpha.localhost"])
def test_favicon_on_every_host_with_long_cache_headers(tenant, host):
    response = host_client(host).get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body  # an ICO holding a PNG
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=2592000" in response["Cache-Control"]


def _icons_and_description(html: bytes) -> tuple[list[str], str]:
    doc = parse(html)
    icons = [link.get("href") for link in doc.iter("link") if link.get("rel") == "icon"]
    meta = doc.find(".//head/meta[@name='description']")
    return icons, (meta.get("content") if meta is not None else "")


def test_root_pages_have_an_icon_and_a_description(db):
    for path in ("/", "/accounts/signup/"):
        icons, description = _icons_and_description(host_client("localhost").get(path).content)
        assert "/favicon.ico" in icons and "/static/favicon.svg" in icons, path
        assert len(description) > 50, path


def test_blog_pages_describe_the_blog_or_the_post(tenant, owner_client):
    _, description = _icons_and_description(host_client(tenant).get("/").content)
    assert description == "Posts from Alpha"  # before the owner writes a description
    owner_client.post(
        "/dashboard/settings/",
        {"description": "Notes on birds.", "language": "english", "theme": "light",
         "accent": "#3559e0", "posts_per_page": 5},
    )  # fmt: skip
    write(tenant, "Gulls", body="Gulls are loud birds of the harbour.")
    reader = host_client(tenant)
    icons, description = _icons_and_description(reader.get("/").content)
    assert "/favicon.ico" in icons and description == "Notes on birds."
    _, description = _icons_and_description(reader.get("/gulls/").content)
    assert description == "Gulls are loud birds of the harbour."


def test_every_blog_page_has_a_search_box_and_opensearch_link(tenant):
    write(tenant, "Gulls", tags="birds")
    reader = host_client(tenant)
    for path in ("/", "/gulls/", "/tag/birds/", "/archive/", "/search/?q=gulls", "/missing/"):
        html = reader.get(path).content
        form = find(html, ".//header//form[@role='search']")
        assert form.get("action") == "/search/" and form.get("method") == "get", path
        assert form.find(".//input[@name='q']").get("type") == "search"
        link = find(html, ".//head/link[@rel='search']")
        assert link.get("type") == "application/opensearchdescription+xml"
        assert link.get("href") == "/opensearch.xml"


def test_opensearch_description_names_its_own_blog_and_host(tenant, other_tenant):
    for blog, other in ((tenant, other_tenant), (other_tenant, tenant)):
        response = host_client(blog).get("/opensearch.xml")
        assert response["Content-Type"].startswith("application/opensearchdescription+xml")
        doc = ET.fromstring(response.content)
        assert doc.findtext(f"{OPENSEARCH}ShortName") == blog.name
        host = f"http://{blog.subdomain}.localhost"
        assert doc.find(f"{OPENSEARCH}Url[@type='text/html']").get("template") == (
            f"{host}/search/?q={{searchTerms}}"
        )
        assert other.name.encode() not in response.content
        assert other.subdomain.encode() not in response.content
    assert host_client("localhost").get("/opensearch.xml").status_code == 404


def test_feeds_point_browsers_at_the_blogs_own_stylesheet_and_stay_valid_xml(tenant, other_tenant):
    write(tenant, "Alpha news", tags="news")
    write(other_tenant, "Bravo news", tags="news")
    reader = host_client(tenant)
    for path in ("/feed/", "/rss/", "/tag/news/feed/"):
        content = reader.get(path).content
        ET.fromstring(content)  # well-formed
        doc = minidom.parseString(content)
        pis = [n for n in doc.childNodes if n.nodeType == n.PROCESSING_INSTRUCTION_NODE]
        assert [(pi.target, pi.data) for pi in pis] == [
            ("xml-stylesheet", 'href="/static/feed.xsl" media="screen" type="text/xsl"')
        ], path
        assert b"Alpha news" in content and b"Bravo news" not in content
    xsl = reader.get("/static/feed.xsl")  # same origin: served from the blog's own host
    assert xsl.status_code == 200
    stylesheet = ET.fromstring(b"".join(xsl.streaming_content))
    assert stylesheet.tag == "{http://www.w3.org/1999/XSL/Transform}stylesheet"
    # The stylesheet copies only text from the feed, never its HTML.
    assert b"disable-output-escaping" not in ET.tostring(stylesheet)
