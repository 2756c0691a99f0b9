"""WordPress comments in an import: the real theme test export (a thread), and a small export
written for the test with every state WordPress writes (pending, spam, trash, pingbacks)."""

from datetime import UTC, datetime

import pytest

from blog.models import Post
from comments.models import Comment
from tenants.context import tenant_context
from tests.blog.port_helpers import DATA, import_file, private_root  # noqa: F401
from tests.conftest import host_client, plan_set

pytestmark = pytest.mark.usefixtures("private_root")
WP = DATA / "wordpress"


def _comments(tenant, **filters) -> list[Comment]:
    with tenant_context(tenant):
        return list(Comment.objects.filter(**filters).order_by("created_at", "id"))


def test_the_theme_test_export_keeps_its_thread_dates_and_authors(tenant, owner_client):
    plan_set(tenant, "pro")  # 61 published posts: more than Free allows
    raw = (WP / "64-block-test-data.xml").read_bytes()
    job = import_file(owner_client, tenant, "64-block-test-data.xml", raw)
    assert job.status == "done", job.error
    assert (job.report["comments_imported"], job.report["comments_skipped"]) == (2, 0)
    with tenant_context(tenant):
        post = Post.objects.get(slug="comments")
    first, reply = _comments(tenant)
    assert {first.post_id, reply.post_id} == {post.id}
    assert first.parent_id is None and reply.parent_id == first.id
    assert first.created_at == datetime(2024, 2, 16, 11, 7, 9, tzinfo=UTC)  # comment_date_gmt
    assert reply.created_at == datetime(2024, 2, 16, 11, 7, 21, tzinfo=UTC)
    assert (first.author_name, first.author_email) == (
        "themedemos",
        "themeshaperwp+demos@gmail.com",
    )
    assert first.author_url == "http://www.wordpress.org"
    assert (first.status, first.source, str(first.ip)) == ("approved", "import", "127.0.0.1")
    assert (reply.body, reply.body_html) == (
        "A reply to the example comment.",
        "<p>A reply to the example comment.</p>\n",
    )
    assert first.likes == 0 and first.member_id is None and first.user_id is None
    thread = host_client(tenant).get(f"/comments/{post.id}/")
    assert thread.status_code == 200
    assert b"A reply to the example comment." in thread.content

    again = import_file(owner_client, tenant, "64-block-test-data.xml", raw)
    assert again.report["comments_imported"] == 0 and again.report["comments_existing"] == 2
    assert again.report["comments_skipped"] == 0
    assert len(_comments(tenant)) == 2  # a re-run adds nothing


def _comment(n, *, approved="1", parent=0, kind="", content=None, gmt=None, local=None):
    gmt = gmt or f"2021-03-0{n % 9 + 1} 08:00:00"
    return f"""<wp:comment><wp:comment_id>{n}</wp:comment_id>
<wp:comment_author><![CDATA[Reader &amp; {n}]]></wp:comment_author>
<wp:comment_author_email>Reader{n}@Example.org</wp:comment_author_email>
<wp:comment_author_url>https://reader{n}.example/</wp:comment_author_url>
<wp:comment_author_IP>203.0.113.{n}</wp:comment_author_IP>
<wp:comment_date>{local or gmt}</wp:comment_date><wp:comment_date_gmt>{gmt}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{content or f"Comment {n}."}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>"""


def _wxr(*items: tuple[int, str, list[str]]) -> bytes:
    body = "".join(
        f"""<item><title>Post {n}</title><guid>https://old.example/?p={n}</guid>
<content:encoded><![CDATA[Text.]]></content:encoded><wp:post_id>{n}</wp:post_id>
<wp:post_date_gmt>2021-03-01 08:00:00</wp:post_date_gmt><wp:post_name>post-{n}</wp:post_name>
<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>{"".join(comments)}</item>"""
        for n, status, comments in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel>' + body + "</channel></rss>"
    ).encode()


def test_every_state_wordpress_writes(tenant, owner_client):
    content = _wxr(
        (
            1,
            "publish",
            [
                _comment(1),
                _comment(2, approved="0", parent=1),  # pending, replying to 1
                _comment(3, approved="spam"),
                _comment(4, approved="trash"),  # with a reply: kept as a placeholder
                _comment(5, parent=4),
                _comment(6, approved="trash"),  # no reply: not imported
                _comment(7, kind="pingback", content="[&#8230;] linked here [&#8230;]"),
                _comment(8, kind="trackback"),
                _comment(
                    9,
                    parent=5,
                    content="Line one\nline two\n\n<a href='https://x.example'>"
                    "a link</a> <script>alert(1)</script>",
                ),  # fmt: skip
                _comment(10, gmt="0000-00-00 00:00:00", local="2021-04-01 12:30:00"),
                _comment(11, content="   "),  # nothing to show
                _comment(12, parent=99),  # its parent is not in the file: top level
            ],
        ),
        (2, "trash", [_comment(20)]),  # the post is skipped, and its comments with it
    )
    job = import_file(owner_client, tenant, "wp.xml", content)
    assert job.status == "done", job.error
    report = job.report
    assert report["comments_imported"] == 8
    assert report["comments_skipped"] == 5  # two links, a trashed one, an empty one, post 2's
    assert "Comments not imported: 1 deleted without replies, 1 empty." in report["notes"]
    notes = {e["slug"]: e["notes"] for e in report["imported"]}
    assert "2 pingback(s) or trackback(s) not imported" in notes["post-1"]
    by_ip = {str(c.ip): c for c in _comments(tenant)}
    state = {ip.rsplit(".", 1)[1]: (c.status, c.reason) for ip, c in by_ip.items()}
    assert state == {
        "1": ("approved", ""), "2": ("pending", "pending in WordPress"),
        "3": ("spam", "spam in WordPress"), "4": ("deleted", ""), "5": ("approved", ""),
        "9": ("approved", ""),
        "10": ("approved", ""), "12": ("approved", ""),
    }  # fmt: skip
    placeholder = next(c for c in _comments(tenant) if c.status == "deleted")
    assert placeholder.body == placeholder.body_html == ""
    ids = {ip.rsplit(".", 1)[1]: c for ip, c in by_ip.items()}
    assert ids["2"].parent_id == ids["1"].id
    assert ids["5"].parent_id == placeholder.id and placeholder.parent_id is None
    assert ids["9"].parent_id == ids["5"].id
    assert ids["12"].parent_id is None
    assert ids["1"].author_name == "Reader & 1"
    assert ids["1"].author_email == "reader1@example.org"
    assert ids["1"].author_url == "https://reader1.example/"
    # No GMT time: the local one, read as UTC (WordPress writes no offset).
    assert ids["10"].created_at == datetime(2021, 4, 1, 12, 30, tzinfo=UTC)
    html = ids["9"].body_html
    assert "<p>Line one<br>\nline two</p>" in html and "<script" not in html
    assert '<a href="https://x.example" rel="noopener nofollow ugc">a link</a>' in html
    page = owner_client.get(f"/dashboard/import/{job.id}/")
    assert b"8 comments imported" in page.content and b"5 comments not imported" in page.content
