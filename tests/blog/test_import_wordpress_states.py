"""WordPress post states and authors, from a small export written for the test."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import TransferJob
from tenants.context import tenant_context
from tests.blog.port_helpers import import_file, posts, private_root, upload  # noqa: F401
from tests.conftest import add_member, host_client

pytestmark = pytest.mark.usefixtures("private_root")

FUTURE = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")


def _item(n, status, *, post_type="post", password="", creator="admin", date=None):
    return f"""<item><title>Item {n} ({status})</title><guid>https://old.example/?p={n}</guid>
<dc:creator><![CDATA[{creator}]]></dc:creator>
<content:encoded><![CDATA[First paragraph of {n}.

Second paragraph
with a line break.]]></content:encoded>
<excerpt:encoded><![CDATA[Excerpt &amp; more]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>{date or "2020-05-01 10:00:00"}</wp:post_date_gmt>
<wp:post_name>item-{n}</wp:post_name><wp:status>{status}</wp:status>
<wp:post_type>{post_type}</wp:post_type><wp:post_password>{password}</wp:post_password>
<category domain="category" nicename="travel"><![CDATA[Travel]]></category>
<category domain="post_format" nicename="post-format-aside"><![CDATA[Aside]]></category>
<wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item>"""


def _wxr(*items) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:author><wp:author_login><![CDATA[admin]]></wp:author_login>"
        "<wp:author_email><![CDATA[Admin@Old.example]]></wp:author_email></wp:author>"
        "<wp:author><wp:author_login><![CDATA[guest]]></wp:author_login>"
        "<wp:author_email><![CDATA[guest@old.example]]></wp:author_email></wp:author>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def test_states_authors_and_classic_paragraphs(tenant, owner_client):
    member = add_member(tenant, "editor")
    member.email = "admin@old.example"
    member.save()
    content = _wxr(
        _item(1, "publish"),
        _item(2, "draft", creator="guest"),
        _item(3, "pending"),
        _item(4, "private"),
        _item(5, "future", date=FUTURE),
        _item(6, "future"),  # scheduled for a time now past
        _item(7, "trash"),
        _item(8, "publish", password="secret"),
        _item(9, "publish", post_type="page"),
        _item(10, "publish", post_type="nav_menu_item"),
    )
    job = import_file(owner_client, tenant, "wp.xml", content)
    assert job.status == "done", job.error
    by_slug = {p.slug: p for p in posts(tenant)}
    status = {slug: p.status for slug, p in by_slug.items()}
    assert status == {
        "item-1": "published", "item-2": "draft", "item-3": "draft", "item-4": "draft",
        "item-5": "scheduled", "item-6": "published", "item-8": "draft", "item-9": "published",
    }  # fmt: skip
    assert by_slug["item-1"].author_id == member.id  # the WordPress author's email, any case
    assert by_slug["item-2"].author_id == tenant.owner.id  # not a member: the importer
    assert by_slug["item-1"].tags == ["travel"]  # post formats are not tags
    assert by_slug["item-1"].excerpt == "Excerpt & more"
    assert by_slug["item-9"].kind == "page"
    body = by_slug["item-1"].body
    assert body.startswith("First paragraph of 1.\n\nSecond paragraph")
    assert by_slug["item-1"].published_at.isoformat() == "2020-05-01T10:00:00+00:00"
    notes = {e["slug"]: " ".join(e["notes"]) for e in job.report["imported"]}
    assert "private in WordPress" in notes["item-4"]
    assert "password-protected" in notes["item-8"]
    assert "now past: published" in notes["item-6"]
    skipped = {s["title"]: s["reason"] for s in job.report["skipped"]}
    assert skipped["Item 7 (trash)"] == "in WordPress's trash"
    assert "site structure" in skipped["Item 10 (publish)"]
    assert job.report["comments_skipped"] == 10
    reader = host_client(tenant)
    assert reader.get("/item-8/").status_code == 404  # a protected post never goes public
    assert reader.get("/item-1/").status_code == 200


def test_an_unexpected_error_marks_the_job_failed(tenant):
    from tasks import imports as import_tasks

    with tenant_context(tenant):
        job = TransferJob.objects.create(kind="import", by_id=tenant.owner.id, path="gone")
        result = import_tasks.import_run.apply(args=[str(job.id)])
        assert result.failed()  # the error is raised (and logged), not swallowed
        job.refresh_from_db()
    assert job.status == "failed" and "nothing was changed" in job.error


def test_anonymous_upload_is_refused(tenant):
    response = upload(host_client(tenant), "wp.xml", _wxr(_item(1, "publish")))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert posts(tenant) == []
