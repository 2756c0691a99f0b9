"""Commenting on a post through the reader endpoints: who may comment, threads, the author's
edit and delete, likes, and the cached thread fragment."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audience.models import Subscriber
from blog.models import Post
from blog.services.posts import post_metadata_set
from comments.models import Comment, Like
from tenants.context import tenant_context
from tests.comments.conftest import aged_token, member_client, rules_set, send
from tests.conftest import host_client
from tests.factories import PostFactory
from tests.html import parse_fragment

pytestmark = pytest.mark.django_db(transaction=True)


def _comments(tenant):
    with tenant_context(tenant):
        return list(Comment.objects.order_by("id").values("id", "status", "parent_id", "body"))


def test_members_comment_by_default_and_guests_are_told_to_sign_in(tenant, post):
    guest = host_client(tenant)
    refused = send(guest, post, tenant, body="Hi", name="G", email="g@example.org")
    assert refused.status_code == 403
    assert "Sign in as a member" in refused.json()["error"]
    member = member_client(tenant)
    made = send(member, post, tenant, body="First!")
    assert made.status_code == 201, made.content
    # A first comment waits for approval (the default), and its author sees it at once.
    assert made.json()["status"] == "pending"
    me = member.get(f"/comments/{post.id}/me/").json()
    assert [p["id"] for p in me["pending"]] == [made.json()["id"]]
    assert me["commenter"]["kind"] == "member"
    # Nobody else sees it.
    assert b"First!" not in host_client(tenant).get(f"/comments/{post.id}/").content
    assert host_client(tenant).get(f"/comments/{post.id}/me/").json()["pending"] == []


def test_an_approved_commenter_publishes_at_once_and_replies_say_whom_they_answer(tenant, post):
    rules_set(tenant, moderation="none")
    ann, bob = member_client(tenant, "ann@example.org"), member_client(tenant, "bob@example.org")
    top = send(ann, post, tenant, body="Top *level*").json()
    reply = send(bob, post, tenant, body="Reply", parent=str(top["id"])).json()
    deeper = send(ann, post, tenant, body="Deeper", parent=str(reply["id"])).json()
    assert {top["status"], reply["status"], deeper["status"]} == {"approved"}
    fragment = parse_fragment(host_client(tenant).get(f"/comments/{post.id}/").content.decode())
    trees = fragment.findall(".//div[@class='comment-tree']")
    assert len(trees) == 1  # one top comment, its replies inside at the second level
    replies = trees[0].findall(".//div[@class='replies']/article")
    assert [r.get("id") for r in replies] == [f"comment-{reply['id']}", f"comment-{deeper['id']}"]
    answers = replies[1].find(".//span[@class='muted replying']")
    assert answers is not None and "bob" in answers.text
    assert replies[0].find(".//span[@class='muted replying']") is None
    assert fragment.find(".//h2").text == "3 comments"


def test_a_double_submit_makes_one_comment(tenant, post):
    member = member_client(tenant)
    token = aged_token(tenant)
    first = send(member, post, tenant, body="Once", token=token)
    second = send(member, post, tenant, body="Once", token=token)
    assert first.json()["id"] == second.json()["id"]
    assert len(_comments(tenant)) == 1


def test_spam_defences_refuse_bots_and_keep_nothing(tenant, post):
    rules_set(tenant, policy="everyone")
    guest = host_client(tenant)
    fields = {"body": "Buy", "name": "Bot", "email": "bot@example.org"}
    assert send(guest, post, tenant, website="http://spam", **fields).status_code == 400
    quick = send(guest, post, tenant, token=aged_token(tenant, seconds=0), **fields)
    assert quick.status_code == 400 and "quick" in quick.json()["error"]
    assert send(guest, post, tenant, token="forged", **fields).status_code == 400
    foreign = guest.post(
        f"/comments/{post.id}/post/",
        {"token": aged_token(tenant), **fields},
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert foreign.status_code == 403
    assert _comments(tenant) == []


def test_bad_input_gets_a_clear_error(tenant, post):
    rules_set(tenant, moderation="none")
    member = member_client(tenant)
    long = send(member, post, tenant, body="x" * 5001)
    assert long.status_code == 400 and "limit is 5,000" in long.json()["error"]
    nul = send(member, post, tenant, body="a\x00b")
    assert nul.status_code == 400 and "NUL" in nul.json()["error"]
    bad_utf8 = member.post(
        f"/comments/{post.id}/post/", b'{"body": "\xff\xfe"}', content_type="application/json"
    )
    assert bad_utf8.status_code == 400 and "UTF-8" in bad_utf8.json()["error"]
    not_object = member.post(f"/comments/{post.id}/post/", b"[1]", content_type="application/json")
    assert not_object.status_code == 400
    assert send(member, post, tenant, body="x", parent="12abc").status_code == 400
    assert send(member, post, tenant, body="").status_code == 400
    assert _comments(tenant) == []
    kept = send(member, post, tenant, body="Kept").json()
    assert member.post(f"/comments/c/{kept['id']}/remove/").status_code == 404
    assert [c["body"] for c in _comments(tenant)] == ["Kept"]


def test_a_reply_to_a_deleted_or_foreign_comment_is_refused(tenant, post):
    rules_set(tenant, moderation="none")
    with tenant_context(tenant):
        other_post = PostFactory(tenant=tenant, title="Other")
    member = member_client(tenant)
    elsewhere = send(member, other_post, tenant, body="Elsewhere").json()
    foreign = send(member, post, tenant, body="R", parent=str(elsewhere["id"]))
    assert foreign.status_code == 400 and "not under this post" in foreign.json()["error"]
    top = send(member, post, tenant, body="Top").json()
    assert member.post(f"/comments/c/{top['id']}/delete/").status_code == 200
    gone = send(member, post, tenant, body="R", parent=str(top["id"]))
    assert gone.status_code in (400, 409)


def test_the_author_edits_within_15_minutes_and_deletes_leaving_a_placeholder(tenant, post):
    rules_set(tenant, moderation="none")
    ann, bob = member_client(tenant, "ann@example.org"), member_client(tenant, "bob@example.org")
    top = send(ann, post, tenant, body="Typo").json()
    assert (
        bob.post(f"/comments/c/{top['id']}/edit/", {"body": "Mine"}, "application/json").status_code
        == 403
    )
    edited = ann.post(f"/comments/c/{top['id']}/edit/", {"body": "Fixed"}, "application/json")
    assert edited.status_code == 200 and "Fixed" in edited.json()["html"]
    send(bob, post, tenant, body="Answer", parent=str(top["id"]))
    with tenant_context(tenant):
        Comment.objects.filter(id=top["id"]).update(
            created_at=timezone.now() - timedelta(minutes=16)
        )
    late = ann.post(f"/comments/c/{top['id']}/edit/", {"body": "Later"}, "application/json")
    assert late.status_code == 403 and "15 minutes" in late.json()["error"]
    assert ann.post(f"/comments/c/{top['id']}/delete/").status_code == 200
    fragment = host_client(tenant).get(f"/comments/{post.id}/").content.decode()
    assert "This comment was deleted." in fragment and "Fixed" not in fragment
    assert "Answer" in fragment
    # An edit racing the delete finds it deleted.
    gone = ann.post(f"/comments/c/{top['id']}/edit/", {"body": "Again"}, "application/json")
    assert gone.status_code == 409


def test_likes_count_once_per_member_and_guests_cannot_like(tenant, post):
    rules_set(tenant, moderation="none")
    ann = member_client(tenant, "ann@example.org")
    top = send(ann, post, tenant, body="Like me").json()
    assert ann.post(f"/comments/{post.id}/like/", {}, "application/json").json() == {
        "liked": True,
        "count": 1,
    }
    assert (
        ann.post(
            f"/comments/{post.id}/like/", {"comment": str(top["id"])}, "application/json"
        ).json()["count"]
        == 1
    )
    again = ann.post(f"/comments/{post.id}/like/", {}, "application/json").json()
    assert again == {"liked": False, "count": 0}
    assert (
        host_client(tenant).post(f"/comments/{post.id}/like/", {}, "application/json").status_code
        == 403
    )
    counts = host_client(tenant).get(f"/comments/counts/?ids={post.id}").json()
    assert counts == {str(post.id): {"comments": 1, "likes": 0}}


def test_the_thread_is_cached_and_a_new_approved_comment_retires_it(tenant, post):
    rules_set(tenant, moderation="none")
    reader = host_client(tenant)
    first = reader.get(f"/comments/{post.id}/")
    assert (
        "s-maxage" in first["Cache-Control"]
        and f"comments-{tenant.schema_name}-{post.id}" in first["xkey"]
    )
    with CaptureQueriesContext(connection) as queries:
        reader.get(f"/comments/{post.id}/")
    assert [q for q in queries.captured_queries if "comments_comment" in q["sql"]] == []
    send(member_client(tenant), post, tenant, body="Fresh")
    assert b"Fresh" in reader.get(f"/comments/{post.id}/").content


def test_per_post_off_and_closing_after_days(tenant, post):
    rules_set(tenant, moderation="none")
    member = member_client(tenant)
    with tenant_context(tenant):
        post_metadata_set(post_id=post.id, key="comments", value="off")
    assert send(member, post, tenant, body="x").status_code == 403
    assert host_client(tenant).get(f"/comments/{post.id}/").content.strip() == b""
    with tenant_context(tenant):
        post_metadata_set(post_id=post.id, key="comments", value=1)
        Post.objects.filter(id=post.id).update(published_at=timezone.now() - timedelta(days=2))
    closed = send(member, post, tenant, body="x")
    assert closed.status_code == 403 and "closed" in closed.json()["error"]


def test_nothing_crosses_blogs(tenant, other_tenant, post):
    rules_set(tenant, moderation="none")
    rules_set(other_tenant, moderation="none")
    ann = member_client(tenant, "ann@example.org")
    top = send(ann, post, tenant, body="Only on alpha").json()
    # B's host, A's ids: no thread, no like, no reply, no edit, no delete.
    b_client = member_client(other_tenant, "ann@example.org")
    assert b_client.get(f"/comments/{post.id}/").status_code == 404
    assert b_client.post(f"/comments/{post.id}/like/", {}, "application/json").status_code == 404
    assert send(b_client, post, other_tenant, body="x", parent=str(top["id"])).status_code == 404
    assert b_client.post(f"/comments/c/{top['id']}/delete/").status_code in (200, 403)
    assert (
        b_client.post(
            f"/comments/c/{top['id']}/edit/", {"body": "y"}, "application/json"
        ).status_code
        == 409
    )
    # A's member cookie means nothing on B.
    a_cookie_on_b = host_client(other_tenant)
    a_cookie_on_b.cookies["quire_member"] = ann.cookies["quire_member"].value
    assert a_cookie_on_b.get("/members/signin/").content.count(b"signed in as") == 0
    assert [c["body"] for c in _comments(tenant)] == ["Only on alpha"]
    assert _comments(other_tenant) == []
    with tenant_context(other_tenant):
        assert Like.objects.count() == 0


def test_a_concurrent_edit_and_delete_end_deleted_and_the_edit_is_told(tenant, post):
    import threading

    from django.db import connections

    rules_set(tenant, moderation="none")
    ann = member_client(tenant, "ann@example.org")
    for _round in range(3):
        made = send(ann, post, tenant, body="Race me").json()
        answers, barrier = {}, threading.Barrier(2)

        def act(action, made=made, answers=answers, barrier=barrier):
            client = host_client(tenant)
            client.cookies["quire_member"] = ann.cookies["quire_member"].value
            barrier.wait()
            url = f"/comments/c/{made['id']}/{action}/"
            answers[action] = client.post(url, {"body": "Edited"}, "application/json").status_code
            connections.close_all()

        threads = [threading.Thread(target=act, args=(a,)) for a in ("edit", "delete")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers["delete"] == 200 and answers["edit"] in (200, 409), answers
        with tenant_context(tenant):
            assert not Comment.objects.filter(id=made["id"]).exists()


def test_a_members_address_is_never_shown_and_a_name_given_at_sign_in_is(tenant, post):
    from audience import members

    rules_set(tenant, moderation="none")
    reader = member_client(tenant, "jane.private@example.org")
    with tenant_context(tenant):
        Subscriber.objects.filter(email="jane.private@example.org").update(name="")
    send(reader, post, tenant, body="Anonymous enough")
    thread = host_client(tenant).get(f"/comments/{post.id}/").content.decode()
    assert "A reader" in thread and "jane" not in thread
    with tenant_context(tenant):
        members.member_signin_send(
            tenant=tenant, email="jane.private@example.org", next_path="/", name="Jane\nD"
        )
    from django.core import mail

    token = mail.outbox[-1].body.split("/members/signin/")[1].split("/")[0]
    with tenant_context(tenant):
        member, _next = members.member_signin_complete(tenant=tenant, token=token)
    assert member.name == "Jane D"
