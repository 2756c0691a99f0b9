"""Moderating comments: the dashboard queue (one at a time and in bulk, authors on their own
posts only), blocks, the mailed approve link, notifications, the APIs, the feed, the console's
counts and the events sent to webhooks."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ContentApiConfig
from api.services import token_create
from audience.models import Subscriber
from comments import notify, services, stats
from comments.models import Comment, CommentSettings
from comments.rules import Commenter
from shared.accounts.models import Membership
from tenants.context import tenant_context
from tests.comments.conftest import member_client, rules_set, send
from tests.conftest import add_member, host_client, plan_set
from tests.factories import PostFactory, SubscriberFactory
from tests.html import parse
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)


def _status(tenant, comment_id):
    with tenant_context(tenant):
        return Comment.objects.get(id=comment_id).status


def _made(tenant, post, n=1, **kwargs):
    ids = []
    with tenant_context(tenant):
        for i in range(n):
            member = SubscriberFactory(tenant=tenant)
            commenter = Commenter(kind="member", name=f"m{i}", email=member.email, member=member)
            ids.append(
                services.comment_create(
                    tenant_id=tenant.id, post=post, commenter=commenter, body=f"c{i}", **kwargs
                ).id
            )
    return ids


def test_the_queue_approves_one_and_spams_many(tenant, post, owner_client):
    first, *rest = _made(tenant, post, n=3)
    page = owner_client.get("/dashboard/comments/")
    assert page.status_code == 200 and page.content.count(b'name="comment"') == 3
    owner_client.post("/dashboard/comments/moderate/", {"single": f"approve:{first}"})
    assert _status(tenant, first) == "approved"
    owner_client.post(
        "/dashboard/comments/moderate/", {"action": "spam", "comment": [str(i) for i in rest]}
    )
    assert [_status(tenant, i) for i in rest] == ["spam", "spam"]
    assert b"c0" in host_client(tenant).get(f"/comments/{post.id}/").content


def test_authors_moderate_their_own_posts_only(tenant, post, password):
    author = add_member(tenant, Membership.Role.AUTHOR)
    with tenant_context(tenant):
        own = PostFactory(tenant=tenant, author=author, title="Mine")
    theirs = _made(tenant, post)[0]
    mine = _made(tenant, own)[0]
    client = host_client(tenant)
    client.post("/accounts/login/", {"login": author.email, "password": password})
    page = client.get("/dashboard/comments/").content.decode()
    assert f'value="{mine}"' in page and f'value="{theirs}"' not in page
    client.post("/dashboard/comments/moderate/", {"action": "approve", "comment": [theirs, mine]})
    assert _status(tenant, mine) == "approved" and _status(tenant, theirs) == "pending"


def test_block_sends_the_authors_next_comments_to_spam(tenant, post):
    rules_set(tenant, moderation="none")
    spammer = member_client(tenant, "spammer@example.org")
    made = send(spammer, post, tenant, body="Spam once").json()
    with tenant_context(tenant):
        services.comments_moderate(tenant_id=tenant.id, comment_ids=[made["id"]], action="block")
        blocks = CommentSettings.objects.get(id=1).blocks
    assert {"kind": "email", "value": "spammer@example.org"} in blocks
    assert send(spammer, post, tenant, body="Spam again").json()["status"] == "spam"


def test_held_words_links_and_ip_ranges(tenant, post):
    rules_set(
        tenant, moderation="none", held_words="casino\n", max_links=1,
        blocks=[{"kind": "ip", "value": "10.9.0.0/16"}],
    )  # fmt: skip
    member = member_client(tenant)
    assert send(member, post, tenant, body="Try the CASINO").json()["status"] == "pending"
    two = "see https://a.example and https://b.example"
    assert send(member, post, tenant, body=two).json()["status"] == "pending"
    assert send(member, post, tenant, body="fine").json()["status"] == "approved"
    blocked = member_client(tenant, "other@example.org")
    blocked.defaults["REMOTE_ADDR"] = "10.9.3.4"
    assert send(blocked, post, tenant, body="from the range").json()["status"] == "spam"


def test_the_author_is_mailed_and_approves_from_the_link(tenant, post):
    mail.outbox.clear()
    comment_id = _made(tenant, post)[0]
    with tenant_context(tenant):
        assert notify.comment_notify(tenant=tenant, comment_id=comment_id) == [tenant.owner.email]
    link = re.search(r"https?://\S+/comments/moderate/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    reader = host_client(tenant)
    assert reader.get(path).status_code == 200 and _status(tenant, comment_id) == "pending"
    assert reader.post(path, {"action": "approve"}).status_code == 200
    assert _status(tenant, comment_id) == "approved"
    assert (
        host_client(tenant).post("/comments/moderate/forged/", {"action": "approve"}).status_code
        == 400
    )


def test_replies_are_mailed_with_one_click_unsubscribe_and_bounces_get_nothing(tenant, post):
    rules_set(tenant, moderation="none")
    ann, bob = member_client(tenant, "ann@example.org"), member_client(tenant, "bob@example.org")
    top = send(ann, post, tenant, body="Top").json()
    reply = send(bob, post, tenant, body="Reply", parent=str(top["id"])).json()
    mail.outbox.clear()
    with tenant_context(tenant):
        sent = notify.comment_notify(tenant=tenant, comment_id=reply["id"])
    assert "ann@example.org" in sent
    message = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    one_click = host_client(tenant).post(
        "/" + url.split("/", 3)[3], "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert one_click.status_code == 200
    again = send(bob, post, tenant, body="Again", parent=str(top["id"])).json()
    with tenant_context(tenant):
        assert "ann@example.org" not in notify.comment_notify(tenant=tenant, comment_id=again["id"])
        Subscriber.objects.filter(email=tenant.owner.email).delete()
        Subscriber.objects.create(email=tenant.owner.email, status="bounced")
        assert tenant.owner.email not in notify.comment_notify(
            tenant=tenant, comment_id=again["id"]
        )


def test_the_digest_replaces_each_mail(tenant, post):
    with tenant_context(tenant):
        services.notifications_choose(user_id=tenant.owner.id, choice="digest")
    ids = _made(tenant, post, n=2)
    mail.outbox.clear()
    with tenant_context(tenant):
        assert notify.comment_notify(tenant=tenant, comment_id=ids[0]) == []
        assert notify.comments_digest(tenant=tenant) == 1
    assert mail.outbox[-1].subject == "2 new comments today"


def test_500_comments_take_a_fixed_number_of_queries(tenant, post):
    rules_set(tenant, moderation="none")
    with tenant_context(tenant):
        rows = [Comment(post=post, author_name=f"n{i}", body="b", body_html="<p>b</p>",
                        status="approved") for i in range(500)]  # fmt: skip
        made = Comment.objects.bulk_create(rows)
        Comment.objects.filter(id__in=[c.id for c in made[250:]]).update(parent=made[0])
    with CaptureQueriesContext(connection) as queries:
        response = host_client(tenant).get(f"/comments/{post.id}/")
    assert response.status_code == 200 and response.content.count(b"<article") == 500
    assert len(queries.captured_queries) <= 7, "\n".join(
        q["sql"][:120] for q in queries.captured_queries
    )


def test_the_apis_the_feed_and_webhook_events(tenant, other_tenant, post):
    plan_set(tenant, "pro")
    plan_set(other_tenant, "pro")
    rules_set(tenant, moderation="none")
    endpoint_create(
        tenant_id=tenant.id, user=tenant.owner, url="http://127.0.0.1:9/hook",
        events=["comment.created", "comment.approved", "comment.deleted"],
    )  # fmt: skip
    ann = member_client(tenant, "ann@example.org")
    top = send(ann, post, tenant, body="In the API").json()
    events = list(WebhookDelivery.objects.values_list("event", flat=True).order_by("id"))
    assert events == ["comment.created", "comment.approved"]
    with tenant_context(tenant):
        ContentApiConfig.objects.update_or_create(id=1, defaults={"public": True})
    listed = host_client(tenant).get(f"/api/content/v1/posts/slug/{post.slug}/comments/")
    assert listed.status_code == 200, listed.content
    assert [c["id"] for c in listed.json()["comments"]] == [top["id"]]
    assert listed.json()["counts"] == {"comments": 1, "likes": 0}
    feed = host_client(tenant).get(f"/comments/{post.id}/feed/")
    assert feed.status_code == 200 and b"In the API" in feed.content
    pending = _made(tenant, post)  # moderation "none": published at once
    with tenant_context(tenant):
        token = token_create(tenant_id=tenant.id, user=tenant.owner, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    queue = host_client(tenant).get("/api/admin/v1/comments/?status=approved", **auth)
    assert queue.status_code == 200, queue.content
    assert {c["id"] for c in queue.json()["comments"]} == {top["id"], *pending}
    done = host_client(tenant).post(
        "/api/admin/v1/comments/moderate/", {"ids": [top["id"]], "action": "spam"},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert done.json() == {"changed": 1} and _status(tenant, top["id"]) == "spam"
    # B's token can't see or touch A's comments.
    with tenant_context(other_tenant):
        other_token = token_create(tenant_id=other_tenant.id, user=other_tenant.owner, name="t")[1]
    foreign = host_client(other_tenant).post(
        "/api/admin/v1/comments/moderate/", {"ids": [pending[0]], "action": "delete"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {other_token}",
    )  # fmt: skip
    assert foreign.json() == {"changed": 0} and _status(tenant, pending[0]) == "approved"


def test_the_console_counts_comments_and_spam_per_blog(tenant, post):
    before = stats.comment_volume().get(tenant.id, {"all": 0, "spam": 0})
    ids = _made(tenant, post, n=3)
    with tenant_context(tenant):
        services.comments_moderate(tenant_id=tenant.id, comment_ids=ids[:1], action="spam")
    after = stats.comment_volume()[tenant.id]
    assert (after["all"], after["spam"]) == (before["all"] + 3, before.get("spam", 0) + 1)


def test_staff_see_comment_volume_and_spam_rate_per_blog(tenant, post, password):
    from tests.support.console import staff_client

    ids = _made(tenant, post, n=4)
    with tenant_context(tenant):
        services.comments_moderate(tenant_id=tenant.id, comment_ids=ids[:1], action="spam")
    page = staff_client(password).get("/admin/tenants/tenant/console/")
    assert page.status_code == 200
    table = parse(page.content).find(".//table[@id='comment-volume']")
    row = [c.text or "".join(c.itertext()) for c in table.find("tbody/tr")]
    assert row[0].strip() == tenant.name and row[1:] == ["4", "1", "25%"]
