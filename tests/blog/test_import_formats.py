"""Ghost and Markdown-zip imports."""

import pytest

from tests.blog.port_helpers import DATA, import_file, make_zip, posts, private_root  # noqa: F401
from tests.conftest import add_member, host_client

pytestmark = pytest.mark.usefixtures("private_root")


def test_ghost_export(tenant, owner_client):
    writer = add_member(tenant, "author")
    writer.email = "Writer@example.org"
    writer.save()
    raw = (DATA / "ghost" / "ghost-5.json").read_bytes()
    job = import_file(owner_client, tenant, "ghost.json", raw)
    assert job.status == "done", job.error
    assert job.report["imported_count"] == 7
    by_slug = {p.slug: p for p in posts(tenant)}
    hello = by_slug["hello-from-ghost"]
    # html preferred over lexical; tags in Ghost's order, internal tags dropped
    assert "Welcome to **Ghost**." in hello.body and "Lexical heading" not in hello.body
    assert hello.tags == ["news", "getting started"]
    assert hello.excerpt == "A short hello."
    assert hello.cover_image_url == "https://images.example.org/cover.jpg"
    assert hello.author_id == writer.id  # mapped by email, any case
    assert by_slug["lexical-only"].author_id == tenant.owner.id  # not a member: the importer
    lexical = by_slug["lexical-only"].body
    assert "## Lexical heading" in lexical and "**Bold words**" in lexical
    assert "[a link](https://example.org/)" in lexical and "- one" in lexical
    assert "alert" not in lexical and "kept text" in lexical
    mobiledoc = by_slug["mobiledoc-only"].body
    assert "*emphasis*" in mobiledoc and "[Ghost](https://ghost.org)" in mobiledoc
    assert "## From a markdown card" in mobiledoc and "1. first" in mobiledoc
    paid = by_slug["members-only"]  # Ghost's paid post stays for paying members only
    assert (paid.status, paid.visibility) == ("published", "paid")
    assert "Paid content" in paid.gated_html and "Paid content" not in paid.body_html
    assert by_slug["a-draft"].status == "draft"
    assert by_slug["about"].kind == "page" and by_slug["about"].status == "published"
    assert by_slug["coming-soon"].status == "scheduled"
    reader = host_client(tenant)
    for slug in ("hello-from-ghost", "lexical-only", "mobiledoc-only", "about"):
        assert reader.get(f"/{slug}/").status_code == 200
    locked = reader.get("/members-only/")
    assert locked.status_code == 200 and b"Paid content" not in locked.content
    for slug in ("a-draft", "coming-soon"):
        assert reader.get(f"/{slug}/").status_code == 404
    assert b'href="/hello-from-ghost/"' in reader.get("/tag/getting-started/").content
    again = import_file(owner_client, tenant, "ghost.json", raw)
    assert again.report["unchanged_count"] == 7 and len(posts(tenant)) == 7


def test_markdown_zip(tenant, owner_client):
    files = {
        "_posts/2021-03-04-jekyll-post.md": (
            b"---\ntitle: Jekyll post\ntags: [one, two]\ncategories: notes\n---\n\nHello *md*.\n"
        ),
        "content/posts/hugo.md": (
            b'+++\ntitle = "Hugo post"\nslug = "hugo-slug"\ndate = 2022-02-02T10:00:00Z\n'
            b'draft = false\ntags = ["hugo"]\n+++\n\nHugo body.\n'
        ),
        "drafts/wip.md": b"---\ntitle: Work in progress\ndraft: true\n---\nLater.\n",
        "Bear Note.md": b"# Bear title\n\nBear body with ![img](https://img.example.org/x.png)\n",
        "about.md": b"---\ntitle: About me\nlayout: page\n---\nMe.\n",
        "images/photo.jpg": b"\xff\xd8\xff not really",
        "bomb.md": (
            b"---\na: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\ntags: *c\n---\nok\n"
        ),
    }
    job = import_file(owner_client, tenant, "site.zip", make_zip(files))
    assert job.status == "done", job.error
    by_slug = {p.slug: p for p in posts(tenant)}
    jekyll = by_slug["jekyll-post"]
    assert jekyll.title == "Jekyll post" and jekyll.tags == ["one", "two", "notes"]
    assert jekyll.published_at.date().isoformat() == "2021-03-04"
    assert by_slug["hugo-slug"].status == "published" and by_slug["hugo-slug"].tags == ["hugo"]
    assert by_slug["wip"].status == "draft"
    assert by_slug["bear-note"].title == "Bear title"
    assert not by_slug["bear-note"].body.startswith("#")
    assert by_slug["about"].kind == "page"
    assert by_slug["bomb"].tags == []  # nested aliases are never walked
    assert job.report["remote_images"] == 1
    skipped = {s["title"]: s["reason"] for s in job.report["skipped"]}
    assert "not a Markdown file" in skipped["images/photo.jpg"]
    assert host_client(tenant).get("/hugo-slug/").status_code == 200
