"""Comments in imports and exports: Ghost's comments, a Quire export taken to another blog
(threads, states, people and likes), and each blog's comments kept to itself."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from blog.imports.quire import quire_read
from blog.imports.wxr import wxr_read
from blog.services import exports as export_services
from blog.services.import_writer import posts_import
from comments.markup import comment_render
from comments.models import Comment, Like
from tenants.context import tenant_context
from tests.blog.port_helpers import DATA, import_file, private_root  # noqa: F401
from tests.conftest import add_member
from tests.factories import PostFactory, SubscriberFactory, UserFactory, blog_make

pytestmark = pytest.mark.usefixtures("private_root")
T0 = datetime(2025, 6, 1, 9, 0, 0, 123456, tzinfo=UTC)


def _by_body(tenant) -> dict[str, Comment]:
    with tenant_context(tenant):
        return {c.body or f"({c.status})": c for c in Comment.objects.all()}


def _ghost_with_comments() -> bytes:
    doc = json.loads((DATA / "ghost" / "ghost-5.json").read_bytes())
    data = doc["db"][0]["data"]
    data["members"] = [
        {"id": "m1", "email": "Ann@Example.org", "name": "Ann"},
        {"id": "m2", "email": "bob@example.org", "name": None},
    ]

    def row(n, post, member, status, html, parent=None):
        at = f"2024-05-0{n}T10:00:00.000Z"
        return {"id": f"c{n}", "post_id": post, "member_id": member, "parent_id": parent,
                "status": status, "html": html, "created_at": at}  # fmt: skip

    data["comments"] = [
        row(1, "p1", "m1", "published", "<p>Nice <strong>post</strong>.</p>"),
        row(2, "p1", "m2", "published", "<p>Agreed.</p>", parent="c1"),
        row(3, "p1", "m2", "hidden", "<p>Buy now</p>"),
        row(4, "p2", None, "deleted", None),  # its reply keeps it, as a placeholder
        row(5, "p2", "m1", "published", "<p>Still here.</p>", parent="c4"),
        row(6, "p2", "m1", "deleted", "<p>Gone.</p>"),  # no reply: not imported
    ]
    return json.dumps(doc).encode()


def test_ghost_comments_with_their_members_and_threads(tenant, owner_client):
    raw = _ghost_with_comments()
    job = import_file(owner_client, tenant, "ghost.json", raw)
    assert job.status == "done", job.error
    assert (job.report["comments_imported"], job.report["comments_skipped"]) == (5, 1)
    c = _by_body(tenant)
    nice = c["Nice **post**."]
    assert (nice.author_name, nice.author_email, nice.status) == (
        "Ann",
        "ann@example.org",
        "approved",
    )
    assert nice.body_html == "<p>Nice <strong>post</strong>.</p>\n"
    assert nice.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert c["Agreed."].parent_id == nice.id and c["Agreed."].author_name == "Anonymous"
    assert (c["Buy now"].status, c["Buy now"].reason) == ("spam", "hidden in Ghost")
    placeholder = c["(deleted)"]
    assert c["Still here."].parent_id == placeholder.id
    assert placeholder.post_id == c["Still here."].post_id != nice.post_id
    assert "Gone." not in c and {x.source for x in c.values()} == {"import"}
    again = import_file(owner_client, tenant, "ghost.json", raw)
    assert again.report["comments_imported"] == 0 and again.report["comments_existing"] == 5
    assert len(_by_body(tenant)) == 5


def _comment(post, body, *, at, **fields) -> Comment:
    return Comment.objects.create(
        post=post, body=body, body_html=comment_render(body), created_at=T0 + at,
        **{"author_name": "Guest", "status": "approved", **fields},
    )  # fmt: skip


def _fill(tenant, stranger):
    """Two posts with threads in every state, a member's, a writer's and a remote comment,
    and likes of comments and of a post."""
    ann = SubscriberFactory(tenant=tenant, email="ann@example.org")
    bob = SubscriberFactory(tenant=tenant, email="bob@example.org")
    with tenant_context(tenant):
        post = PostFactory(tenant=tenant, title="Threads")
        other = PostFactory(tenant=tenant, title="Other")
        top = _comment(post, "Top *one*", at=timedelta(0), member=ann, author_name="Ann",
                       author_email="ann@example.org", ip="198.51.100.7", likes=2)  # fmt: skip
        reply = _comment(post, "A reply", at=timedelta(minutes=1), parent=top, status="pending",
                         reason="first comment", author_name="Gus",
                         author_url="https://gus.example/")  # fmt: skip
        _comment(post, "Deeper", at=timedelta(minutes=2), parent=reply, user_id=tenant.owner.id,
                 author_name="Owner", edited_at=T0 + timedelta(hours=1), likes=1,
                 notify_replies=False)  # fmt: skip
        _comment(other, "Spam here", at=timedelta(minutes=3), status="spam")
        gone = _comment(other, "", at=timedelta(minutes=4), status="deleted")
        _comment(other, "From afar", at=timedelta(minutes=5), parent=gone, source="fediverse",
                 remote_actor="https://social.example/users/fed")  # fmt: skip
        deeper = Comment.objects.get(body="Deeper")
        Like.objects.create(post=post, comment=top, who=f"m{ann.id}")
        Like.objects.create(post=post, comment=top, who=f"u{tenant.owner.id}")
        Like.objects.create(post=post, comment=deeper, who=f"m{bob.id}")
        Like.objects.create(post=post, who=f"m{ann.id}")  # the post itself
        Like.objects.create(post=post, who=f"u{stranger.id}")  # not a member of the target


def _export(tenant) -> bytes:
    with tenant_context(tenant):
        return json.dumps(export_services.export_document(tenant=tenant), default=str).encode()


def test_a_quire_export_keeps_threads_states_people_and_likes(tenant):
    stranger = UserFactory()
    _fill(tenant, stranger)
    raw = _export(tenant)
    assert len(json.loads(raw)["comments"]) == 6 and len(json.loads(raw)["post_likes"]) == 2
    target = blog_make(subdomain="target")
    add_member(target, "editor", user=tenant.owner)  # the writer, by email
    SubscriberFactory(tenant=target, email="first@example.org")  # ids differ from the source's
    with tenant_context(target):
        report = posts_import(tenant=target, parsed=quire_read(raw), importer=target.owner)
        ann_id = SubscriberFactory._meta.model.objects.get(email="ann@example.org").id
        bob_id = SubscriberFactory._meta.model.objects.get(email="bob@example.org").id
        likes = set(Like.objects.values_list("post__title", "comment__body", "who"))
    assert (report["comments_imported"], report["comments_skipped"]) == (6, 0)
    assert report["likes_restored"] == 4
    assert "1 like(s) not restored" in " ".join(report["notes"])
    c = _by_body(target)
    top, reply, deeper = c["Top *one*"], c["A reply"], c["Deeper"]
    assert reply.parent_id == top.id and deeper.parent_id == reply.id and top.parent_id is None
    assert c["From afar"].parent_id == c["(deleted)"].id
    assert (top.status, reply.status, c["Spam here"].status) == ("approved", "pending", "spam")
    assert (reply.reason, reply.author_url) == ("first comment", "https://gus.example/")
    assert (top.member_id, top.author_email, str(top.ip)) == (
        ann_id,
        "ann@example.org",
        "198.51.100.7",
    )
    assert top.created_at == T0 and top.body_html == "<p>Top <em>one</em></p>\n"
    assert deeper.user_id == tenant.owner.id and deeper.edited_at == T0 + timedelta(hours=1)
    assert deeper.notify_replies is False
    assert (c["From afar"].source, c["From afar"].remote_actor) == (
        "fediverse", "https://social.example/users/fed",
    )  # fmt: skip
    assert top.source == "form" and top.likes == 2 and deeper.likes == 1
    assert likes == {
        ("Threads", "Top *one*", f"m{ann_id}"), ("Threads", "Top *one*", f"u{tenant.owner.id}"),
        ("Threads", "Deeper", f"m{bob_id}"), ("Threads", None, f"m{ann_id}"),
    }  # fmt: skip
    assert c["Top *one*"].post_id != c["Spam here"].post_id

    with tenant_context(target):  # the same export again: nothing added, counts unchanged
        again = posts_import(tenant=target, parsed=quire_read(raw), importer=target.owner)
        assert Like.objects.count() == 4
    assert (again["comments_imported"], again["comments_existing"]) == (0, 6)
    assert _by_body(target)["Top *one*"].likes == 2 and len(_by_body(target)) == 6
    with tenant_context(tenant):  # the source blog is as it was
        assert Comment.objects.count() == 6 and Like.objects.count() == 5


def test_each_blog_keeps_its_own_comments(tenant, other_tenant, owner_client):
    raw = (DATA / "wordpress" / "theme-preview.xml").read_bytes()
    job = import_file(owner_client, tenant, "theme-preview.xml", raw)
    assert job.report["comments_imported"] == 2
    assert len(_by_body(tenant)) == 2 and _by_body(other_tenant) == {}
    assert json.loads(_export(other_tenant))["comments"] == []
    exported = json.loads(_export(tenant))["comments"]
    assert {row["created_at"] for row in exported} == {"2007-09-04T00:49:28+00:00"}
    # The same file in the other blog: its own copies (one blog's never count as the other's).
    with tenant_context(other_tenant):
        report = posts_import(
            tenant=other_tenant, parsed=wxr_read(io.BytesIO(raw)), importer=other_tenant.owner
        )
    assert (report["comments_imported"], report["comments_existing"]) == (2, 0)
    mine, theirs = _by_body(tenant), _by_body(other_tenant)
    assert mine.keys() == theirs.keys() and len(theirs) == 2
    with tenant_context(other_tenant):
        assert Comment.objects.filter(post__title="Hello world!").count() == 1
