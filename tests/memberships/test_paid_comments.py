"""Comments for paying members only: the blog's choice, decided on each request from the
member's current standing (so a paid period ending closes the form on the next request)."""

import time

import pytest

from comments.models import Comment, CommentSettings
from tenants.context import tenant_context
from tests.comments.conftest import rules_set, send
from tests.conftest import host_client
from tests.memberships.conftest import (
    event,
    member_client,
    meta_for,
    paid_post,
    payer,
    post_event,
    subscription,
)

pytestmark = pytest.mark.django_db(transaction=True)
REFUSAL = "for paying members"


def _count(tenant) -> int:
    with tenant_context(tenant):
        return Comment.objects.count()


def test_only_paying_members_and_the_blogs_writers_may_comment(selling, owner_client):
    tenant = selling
    rules_set(tenant, policy="paid", moderation="none")
    post = paid_post(tenant, visibility="public", body="Open to all.")
    guest = send(host_client(tenant), post, tenant, body="Hi", name="G", email="g@example.org")
    assert guest.status_code == 403 and REFUSAL in guest.json()["error"]
    free = member_client(tenant, email="free@example.org")
    refused = send(free, post, tenant, body="Free words")
    assert refused.status_code == 403 and REFUSAL in refused.json()["error"]
    assert REFUSAL in free.get(f"/comments/{post.id}/me/").json()["refusal"]
    assert _count(tenant) == 0

    paying = payer(tenant)
    assert paying.get(f"/comments/{post.id}/me/").json()["refusal"] == ""
    made = send(paying, post, tenant, body="Paid words")
    assert made.status_code == 201, made.content
    writer = send(owner_client, post, tenant, body="The author answers")
    assert writer.status_code == 201, writer.content
    assert _count(tenant) == 2


def test_a_subscription_that_ends_closes_the_form_on_the_next_request(selling):
    tenant = selling
    rules_set(tenant, policy="paid", moderation="none")
    post = paid_post(tenant, visibility="public", body="Open to all.")
    client = payer(tenant, sub_id="sub_ends")
    assert send(client, post, tenant, body="While paying").status_code == 201
    ended = subscription("sub_ends", price="price_alpha", status="canceled",
                         meta=meta_for(tenant, client))  # fmt: skip
    later = int(time.time()) + 5
    answer = post_event(
        event("customer.subscription.deleted", ended, account="acct_alpha", created=later)
    )
    assert answer.status_code == 200
    refused = send(client, post, tenant, body="After the end")
    assert refused.status_code == 403 and REFUSAL in refused.json()["error"]
    assert _count(tenant) == 1


def test_paying_on_another_blog_gives_no_voice_here(selling, other_tenant):
    rules_set(other_tenant, policy="paid", moderation="none")
    payer(selling, email="both@example.org")  # pays blog A
    there = paid_post(other_tenant, visibility="public", body="B's post.")
    same_reader_on_b = member_client(other_tenant, email="both@example.org")
    refused = send(same_reader_on_b, there, other_tenant, body="Hello B")
    assert refused.status_code == 403 and REFUSAL in refused.json()["error"]
    assert _count(other_tenant) == 0


def test_the_owner_can_choose_paying_members_in_the_dashboard(selling, owner_client):
    page = owner_client.get("/dashboard/comments/rules/")
    assert page.status_code == 200 and b'value="paid"' in page.content
    saved = owner_client.post("/dashboard/comments/rules/", {
        "policy": "paid", "moderation": "first", "max_links": "2",
    })  # fmt: skip
    assert saved.status_code == 302, saved.content[:500]
    with tenant_context(selling):
        assert Comment.objects.count() == 0
        assert CommentSettings.objects.get(id=1).policy == "paid"
