"""WordPress imports of the two real sample exports: everything in them is imported or
reported, published posts answer at their original slugs, tags are right, re-runs never
duplicate."""

import html5lib
import pytest

from blog.models import PostRevision
from tenants.context import tenant_context
from tests.blog.port_helpers import DATA, import_file, posts, private_root  # noqa: F401
from tests.conftest import host_client, plan_set

WP = DATA / "wordpress"


def _text(response) -> str:
    tree = html5lib.parse(response.content, namespaceHTMLElements=False)
    return " ".join("".join(tree.itertext()).split())


@pytest.mark.usefixtures("private_root")
def test_theme_preview_file(tenant, owner_client):
    job = import_file(
        owner_client, tenant, "theme-preview.xml", (WP / "theme-preview.xml").read_bytes()
    )
    report = job.report
    assert job.status == "done", job.error
    assert report["imported_count"] == 7 and report["skipped_count"] == 0
    assert report["comments_imported"] == 2 and report["comments_skipped"] == 0
    imported = posts(tenant)
    assert all(p.status == "published" and p.author_id == tenant.owner.id for p in imported)
    boat = next(p for p in imported if p.title == "Worth A Thousand Words")
    # No <wp:post_name> in this file: WordPress makes the slug from the title, so do we.
    assert boat.slug == "worth-a-thousand-words"
    assert boat.tags == ["boat", "lake"]  # "Uncategorized" is WordPress's default, dropped
    assert "![Boat](https://wpdotorg.files.wordpress.com/2008/11/boat.jpg)" in boat.body
    assert report["remote_images"] >= 1
    reader = host_client(tenant)
    for post in imported:
        page = reader.get(f"/{post.slug}/")
        assert page.status_code == 200, post.slug
        assert post.title in _text(page)
    assert b'href="/worth-a-thousand-words/"' in reader.get("/tag/lake/").content
    elements = next(p for p in imported if p.title == "Elements")
    assert "<form" not in elements.body_html and "<script" not in elements.body_html
    with tenant_context(tenant):
        assert PostRevision.objects.filter(origin="import").count() == 7


@pytest.mark.usefixtures("private_root")
def test_block_test_data_file_and_rerun(tenant, owner_client):
    plan_set(tenant, "pro")  # 61 published posts: more than Free allows
    raw = (WP / "64-block-test-data.xml").read_bytes()
    job = import_file(owner_client, tenant, "64-block-test-data.xml", raw)
    report = job.report
    assert job.status == "done", job.error
    assert report["imported_count"] == 62  # 61 posts and 1 page
    reasons = {s["title"]: s["reason"] for s in report["skipped"]}
    assert "site structure" in reasons["Navigation"]  # wp_navigation
    assert sum("attachment" in r for r in report["skipped"] for r in [r["reason"]]) == 9
    assert report["comments_imported"] == 2 and report["comments_skipped"] == 0
    imported = posts(tenant)
    assert len(imported) == 62
    by_title = {p.title: p for p in imported}
    assert by_title["Media & Text"].slug == "media-text"  # entities in titles decoded
    assert by_title["Code"].tags == ["border", "text"]
    # Two posts share the slug 'footnotes' in the file: the second is renamed and reported.
    assert {by_title["Footnotes"].slug, by_title["Classic"].slug} == {"footnotes", "footnotes-2"}
    renamed = [e for e in report["imported"] if e["slug"] == "footnotes-2"]
    assert "is taken" in renamed[0]["notes"][-1]
    gallery = by_title["Gallery"]
    assert gallery.cover_image_url.startswith("https://wpthemetestdata.files.wordpress.com/")
    assert "kept as links" in " ".join(
        e for i in report["imported"] if i["title"] == "Video" for e in i["notes"]
    )
    pages = [p for p in imported if p.kind == "page"]
    assert len(pages) == 1
    reader = host_client(tenant)
    for post in imported:
        if post.slug == "footnotes-2":
            continue
        page = reader.get(f"/{post.slug}/")
        assert page.status_code == 200, post.slug
        assert "<script" not in post.body_html
    assert b'href="/tags/"' in reader.get("/tag/blocks/").content  # the post titled "Tags"
    heading = by_title["Heading"].body
    assert heading.lstrip().startswith("#") or "\n## " in heading

    again = import_file(owner_client, tenant, "64-block-test-data.xml", raw)
    assert again.report["imported_count"] == 0 and again.report["updated_count"] == 0
    assert again.report["unchanged_count"] == 62
    assert len(posts(tenant)) == 62


@pytest.mark.usefixtures("private_root")
def test_rerun_after_edits_in_the_source_updates_in_place(tenant, owner_client):
    raw = (WP / "theme-preview.xml").read_bytes()
    import_file(owner_client, tenant, "wp.xml", raw)
    changed = raw.replace(b"<p>Boat.</p>", b"<p>A bigger boat.</p>")
    job = import_file(owner_client, tenant, "wp.xml", changed)
    assert (job.report["imported_count"], job.report["updated_count"]) == (0, 1)
    assert job.report["unchanged_count"] == 6
    boat = posts(tenant, slug="worth-a-thousand-words")[0]
    assert "A bigger boat." in boat.body
    assert b"A bigger boat." in host_client(tenant).get("/worth-a-thousand-words/").content


@pytest.mark.usefixtures("private_root")
def test_publish_limit_makes_drafts_and_says_so(tenant, owner_client):
    job = import_file(owner_client, tenant, "wp.xml", (WP / "64-block-test-data.xml").read_bytes())
    report = job.report
    live = posts(tenant, status="published", kind="post")
    assert len(live) == 20  # the Free plan's limit
    assert report["over_plan"] == 41
    assert (
        "41 post(s) that were published in the source were imported as drafts"
        in (report["plan_message"])
    )
    page = owner_client.get(f"/dashboard/import/{job.id}/")
    assert "Upgrade" in _text(page) and "imported as drafts" in _text(page)
