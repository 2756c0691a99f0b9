"""Reader pages: query budget, page cache, feeds, sitemap, robots, meta tags."""

import xml.etree.ElementTree as ET

import pytest

from blog import services
from blog.models import Post
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import host_client

ATOM = "{http://www.w3.org/2005/Atom}"
READER_PATHS = {
    "/": 200,
    "/?page=2": 200,
    "/post-7/": 200,
    "/about/": 200,
    "/tag/common/": 200,
    "/tag/first-steps/": 200,
    "/tag/first%20steps/": 301,
    "/tag/common/feed/": 200,
    "/tag/no-such-tag/": 404,
    "/tag/no-such-tag/feed/": 404,
    "/archive/": 200,
    "/feed/": 200,
    "/rss/": 200,
    "/sitemap.xml": 200,
    "/robots.txt": 200,
    "/opensearch.xml": 200,
    "/no-such-post/": 404,
    "/?page=99": 404,
}


def _seed(tenant, n: int) -> None:
    with tenant_context(tenant):
        Post.objects.bulk_create(
            Post(
                title=f"Post {i}",
                slug=f"post-{i}",
                body_html=f"<p>Body {i}</p>",
                summary=f"Body {i}",
                tags=["common", f"t{i % 7}", "first steps"],
                status="published",
                published_at=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
            )
            for i in range(n)
        )
    write(tenant, "About", kind="page")


@pytest.mark.parametrize(("path", "status"), READER_PATHS.items())
def test_reader_pages_run_at_most_3_queries_whatever_the_size(
    tenant, path, status, django_assert_max_num_queries
):
    _seed(tenant, 120)
    reader = host_client(tenant)
    reader.get("/?warm-the-host-lookup")  # the host -> tenant route is cached from here on
    with django_assert_max_num_queries(3):
        response = reader.get(path)
    assert response.status_code == status
    assert response["X-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        again = reader.get(path)
    assert again["X-Cache"] == "hit" and again.content == response.content


def test_pagination_without_count(tenant):
    _seed(tenant, 25)
    reader = host_client(tenant)
    first = reader.get("/").content.decode()
    assert "Older posts" in first and "Newer posts" not in first
    third = reader.get("/?page=3").content.decode()
    assert third.count("<li>\n    <h2>") == 5 and "Older posts" not in third
    assert reader.get("/?page=4").status_code == 404
    assert reader.get("/?page=abc").status_code == 404


def test_a_publish_shows_up_at_once_for_cached_readers(tenant, owner_client):
    reader = host_client(tenant)
    assert b"Fresh news" not in reader.get("/").content
    assert reader.get("/")["X-Cache"] == "hit"
    owner_client.post("/dashboard/posts/new/", {"title": "Fresh news", "publish": ""})
    response = reader.get("/")
    assert response["X-Cache"] == "miss" and b"Fresh news" in response.content
    assert b"Fresh news" in reader.get("/feed/").content


def test_logged_in_writers_always_see_fresh_pages(tenant, owner_client):
    host_client(tenant).get("/")  # an anonymous reader fills the cache
    for _ in range(2):
        response = owner_client.get("/")
        assert "X-Cache" not in response  # never served from, nor stored in, the page cache
        assert b'href="/dashboard/"' in response.content
    assert b'href="/dashboard/"' not in host_client(tenant).get("/").content


def test_the_cache_is_per_blog(tenant, other_tenant):
    write(tenant, "Only on alpha")
    a, b = host_client(tenant), host_client(other_tenant)
    assert b"Only on alpha" in a.get("/").content
    assert b"Only on alpha" not in b.get("/").content
    write(other_tenant, "Bravo news")
    assert a.get("/")["X-Cache"] == "hit"  # a change on B leaves A's cache alone
    assert b"Bravo news" in b.get("/").content


def test_atom_and_rss_are_valid_with_full_content(tenant):
    write(tenant, "Feed me", body="Full **body** here", tags="food", excerpt="Short")
    write(tenant, "Draft", action="save", tags="food")
    reader = host_client(tenant)
    atom = reader.get("/feed/")
    assert atom["Content-Type"] == "application/xml; charset=utf-8"  # browsers apply the XSLT
    root = ET.fromstring(atom.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Feed me"]
    assert "<strong>body</strong>" in entries[0].findtext(f"{ATOM}content")
    assert entries[0].findtext(f"{ATOM}summary") == "Short"
    assert entries[0].find(f"{ATOM}link").get("href") == "http://alpha.localhost/feed-me/"

    rss = ET.fromstring(reader.get("/rss/").content)
    items = rss.findall("channel/item")
    assert [i.findtext("title") for i in items] == ["Feed me"]
    assert "<strong>body</strong>" in items[0].findtext("description")

    tag_feed = ET.fromstring(reader.get("/tag/food/feed/").content)
    assert len(tag_feed.findall(f"{ATOM}entry")) == 1
    assert reader.get("/tag/none/feed/").status_code == 404  # no published post has it


def test_sitemap_robots_and_meta(tenant):
    write(tenant, "Seen")
    write(tenant, "Unseen", action="save")
    reader = host_client(tenant)
    sitemap = reader.get("/sitemap.xml").content.decode()
    assert "http://alpha.localhost/seen/" in sitemap and "unseen" not in sitemap
    robots = reader.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://alpha.localhost/sitemap.xml" in robots.content.decode()
    html = reader.get("/seen/").content.decode()
    assert '<link rel="canonical" href="http://alpha.localhost/seen/">' in html
    assert '<meta property="og:title" content="Seen">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'rel="alternate" type="application/rss+xml"' in html


def test_archive_and_tag_pages_show_only_published_posts(tenant):
    write(tenant, "Public one", tags="news")
    write(tenant, "Private one", tags="news", action="save")
    reader = host_client(tenant)
    for path in ("/archive/", "/tag/news/"):
        content = reader.get(path).content
        assert b"Public one" in content and b"Private one" not in content


def test_404_in_the_blogs_own_look(tenant, owner_client):
    owner_client.post(
        "/dashboard/settings/",
        {"title": "Night Owl", "language": "english", "theme": "dark", "accent": "#ff8800",
         "posts_per_page": 5},
    )  # fmt: skip
    response = host_client(tenant).get("/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Night Owl" in html and 'data-theme="dark"' in html and "#ff8800" in html
    assert host_client(tenant).get("/a/b/c/").status_code == 404


def test_the_blogs_language_tags_pages_and_feeds(tenant, owner_client):
    owner_client.post(
        "/dashboard/settings/",
        {"language": "german", "theme": "light", "accent": "#123456", "posts_per_page": 5},
    )
    write(tenant, "Hallo")
    reader = host_client(tenant)
    assert b'<html lang="de"' in reader.get("/").content
    atom = ET.fromstring(reader.get("/feed/").content)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert atom.findtext(f"{ATOM}author/{ATOM}name") == "Alpha"
    assert ET.fromstring(reader.get("/rss/").content).findtext("channel/language") == "de"


def test_tag_urls_are_slugs_and_pages_show_the_name(tenant):
    write(tenant, "Tagged", tags="First Steps, c++")
    reader = host_client(tenant)
    for old in ("/tag/First%20Steps/", "/tag/first%20steps/", "/tag/FIRST-steps/"):
        response = reader.get(old)
        assert response.status_code == 301 and response["Location"] == "/tag/first-steps/", old
    page = reader.get("/tag/first-steps/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Posts tagged “first steps”" in html and "Tagged" in html
    assert 'href="/tag/first-steps/feed/"' in html
    assert reader.get("/tag/first%20steps/feed/")["Location"] == "/tag/first-steps/feed/"
    feed = ET.fromstring(reader.get("/tag/first-steps/feed/").content)
    assert feed.findtext(f"{ATOM}title") == "Alpha: first steps"
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href").endswith("/tag/first-steps/")
    post = reader.get("/tagged/").content.decode()
    assert 'href="/tag/first-steps/">first steps</a>' in post
    assert 'href="/tag/c%2B%2B/">c++</a>' in post
    assert b"Tagged" in reader.get("/tag/c%2B%2B/").content


def test_invisible_characters_never_leave_a_tag_without_a_page(tenant):
    post = write(tenant, "Odd tag", tags="\U0001c86d\x1e0, a\u200b b")  # unassigned, RS, ZWSP
    assert post.tags == ["0", "a b"]
    reader = host_client(tenant)
    assert reader.get("/tag/0/").status_code == 200
    assert reader.get("/tag/a-b/").status_code == 200


def test_dot_tags_are_refused_with_a_message(tenant):
    with pytest.raises(services.PostInvalid, match="'..' cannot be a tag"):
        write(tenant, "Dots", tags="fine, ..")


def test_tags_with_many_words_and_hyphens_have_pages(tenant):
    name = "a b-c d e f g h i j k"  # more hyphens in its slug than are looked up by index
    write(tenant, "Long tag", tags=f"{name}, x-y z")
    reader = host_client(tenant)
    assert b"Long tag" in reader.get("/tag/a-b-c-d-e-f-g-h-i-j-k/").content
    assert b"Long tag" in reader.get("/tag/x-y-z/").content
    assert reader.get("/tag/x-y/").status_code == 404


def test_unknown_tags_are_404s_cached_until_the_blog_changes(tenant):
    write(tenant, "Old", tags="old")
    reader = host_client(tenant)
    first = reader.get("/tag/new/")
    assert first.status_code == 404 and first["X-Cache"] == "miss"
    assert b"Alpha" in first.content  # in the blog's own look
    again = reader.get("/tag/new/")
    assert again.status_code == 404 and again["X-Cache"] == "hit"
    assert reader.get("/tag/new/feed/").status_code == 404
    write(tenant, "New", tags="new")  # blog_changed() retires the cached 404
    fresh = reader.get("/tag/new/")
    assert fresh.status_code == 200 and b"New" in fresh.content
    assert reader.get("/tag/new/feed/").status_code == 200


def test_a_tag_of_one_blog_is_a_404_on_another(tenant, other_tenant):
    write(tenant, "Alpha only", tags="secret tag")
    write(other_tenant, "Bravo post", tags="public")
    assert host_client(tenant).get("/tag/secret-tag/").status_code == 200
    bravo = host_client(other_tenant)
    for path in ("/tag/secret-tag/", "/tag/secret-tag/feed/"):
        response = bravo.get(path)
        assert response.status_code == 404 and b"Alpha only" not in response.content
