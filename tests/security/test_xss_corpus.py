"""A corpus of XSS payloads, written through the editor, ends up inert everywhere readers
(and the writer's preview) see it: post page, lists, feeds, and settings shown on every page."""

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import host_client, plan_set
from tests.html import active_content, body_problems, element_problems, find, head_problems

ATOM = "{http://www.w3.org/2005/Atom}"
PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("# ")
]


def _page_problems(html: str) -> list[str]:
    return head_problems(html) + body_problems(html)


def _feed_problems(atom: bytes, rss: bytes) -> list[str]:
    problems: list[str] = []
    for entry in ET.fromstring(atom).findall(f"{ATOM}entry"):
        problems += active_content(entry.findtext(f"{ATOM}content") or "")
        problems += active_content(entry.findtext(f"{ATOM}summary") or "")
        if len(entry.find(f"{ATOM}title")):  # a title is text, never markup
            problems.append("markup in an Atom title")
    for item in ET.fromstring(rss).findall("channel/item"):
        problems += active_content(item.findtext("description") or "")
        if len(item.find("title")):
            problems.append("markup in an RSS title")
    return problems


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 100


def test_payloads_through_the_editor_are_inert_everywhere(tenant, owner_client):
    plan_set(tenant, "business")  # more published posts than the Free plan allows
    reader = host_client(tenant)
    failures: dict[str, list[str]] = {}
    for n, payload in enumerate(PAYLOADS, start=1):
        fields = {
            "title": payload[:200],
            "slug": f"p{n}",
            "body": payload,
            "excerpt": payload,
            "tags": payload[:45].replace(",", " "),
            "meta_description": payload[:300],
        }
        preview = owner_client.post("/dashboard/posts/new/", fields | {"preview": ""})
        # The whole preview, footnotes' own <section> included (html5lib finds its end).
        problems = element_problems(find(preview.content, ".//section[@class='preview']"))
        response = owner_client.post("/dashboard/posts/new/", fields | {"publish": ""})
        assert response.status_code == 302, (payload, response.content[:2000])
        problems += _page_problems(reader.get(f"/p{n}/").content.decode())
        if n % 20 == 0 or n == len(PAYLOADS):  # the feeds and lists hold the newest 20
            for path in ("/", "/archive/"):
                problems += _page_problems(reader.get(path).content.decode())
            problems += _feed_problems(reader.get("/feed/").content, reader.get("/rss/").content)
        if problems:
            failures[payload] = problems
    assert failures == {}


def test_settings_and_navigation_are_escaped_on_pages_and_feeds(tenant, owner_client):
    nasty = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    response = owner_client.post(
        "/dashboard/settings/",
        {"title": nasty[:100], "tagline": nasty, "description": nasty, "language": "english",
         "theme": "dark", "accent": "#123456", "posts_per_page": 5,
         "navigation": f"{nasty[:50]} | /about/", "footer": nasty},
    )  # fmt: skip
    assert response.status_code == 302
    owner_client.post("/dashboard/posts/new/", {"title": nasty, "tags": "x", "publish": ""})
    reader = host_client(tenant)
    for path in ("/", "/archive/", "/tag/x/", "/nothing/"):
        assert _page_problems(reader.get(path).content.decode()) == [], path
    assert _feed_problems(reader.get("/feed/").content, reader.get("/rss/").content) == []
    feed = ET.fromstring(reader.get("/feed/").content)
    assert feed.findtext(f"{ATOM}title") == nasty[:100]  # kept as text
