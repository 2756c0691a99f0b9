"""Gated posts in the APIs: the Admin API takes and gives `visibility` and `access_tiers`
(refusing bad ones with the field named, saving nothing) and the whole body with its marker;
the Content API says who may read the rest and shows the public part only, cached or not."""

import json

import pytest
from django_tenants.utils import tenant_context

from blog.models import Post
from memberships.models import Tier
from tests.api.conftest import bearer, content_key, make_post, token_for
from tests.conftest import host_client

pytestmark = pytest.mark.django_db
BASE = "/api/admin/v1"
SECRET = "SECRETWORD"
PUBLIC = "PUBLICWORD"
BODY = f"{PUBLIC} opens the post.\n\n<!--members-only-->\n\n{SECRET} is the rest."


def send(client, method: str, path: str, data: dict, **headers):
    call = getattr(client, method)
    return call(path, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def blog(pro_blog):
    return pro_blog("alpha")


def tier(tenant, name: str = "Supporter") -> Tier:
    with tenant_context(tenant):
        return Tier.objects.create(name=name, monthly_amount=500, yearly_amount=5000)


def test_admin_api_keeps_visibility_tiers_and_the_marker(blog):
    gold = tier(blog, "Gold")
    client, auth = host_client(blog), bearer(token_for(blog))
    made = send(client, "post", f"{BASE}/posts/", {
        "title": "Gated", "body": BODY, "visibility": "tiers", "access_tiers": [gold.id],
    }, **auth)  # fmt: skip
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["visibility"] == "tiers" and data["access_tiers"] == [gold.id]
    assert data["body"] == BODY  # the Markdown as sent, marker line and all
    assert PUBLIC in data["html"] and SECRET not in data["html"]
    assert SECRET in data["gated_html"] and PUBLIC not in data["gated_html"]
    again = client.get(f"{BASE}/posts/{data['id']}/", **auth).json()
    assert {k: again[k] for k in ("visibility", "access_tiers", "body", "gated_html")} == {
        k: data[k] for k in ("visibility", "access_tiers", "body", "gated_html")
    }
    with tenant_context(blog):
        post = Post.objects.get(id=data["id"])
    assert (post.visibility, post.access_tiers) == ("tiers", [gold.id])
    assert SECRET not in post.body_html


def test_admin_api_changes_visibility_keeping_what_is_left_out(blog):
    gold, silver = tier(blog, "Gold"), tier(blog, "Silver")
    client, auth = host_client(blog), bearer(token_for(blog))
    data = send(client, "post", f"{BASE}/posts/", {"title": "Open", "body": BODY}, **auth).json()
    assert data["visibility"] == "public" and SECRET in data["html"] and data["gated_html"] == ""

    def patch(fields: dict) -> dict:
        answer = send(client, "patch", f"{BASE}/posts/{data['id']}/", fields,
                      HTTP_IF_MATCH="*", **auth)  # fmt: skip
        assert answer.status_code == 200, answer.content
        return answer.json()

    changed = patch({"visibility": "tiers", "access_tiers": [gold.id]})
    assert changed["visibility"] == "tiers" and SECRET not in changed["html"]
    assert patch({"access_tiers": [silver.id]})["access_tiers"] == [silver.id]
    assert patch({"title": "Renamed"})["access_tiers"] == [silver.id]  # untouched
    paid = patch({"visibility": "paid"})
    assert paid["visibility"] == "paid" and paid["access_tiers"] == []
    assert paid["body"] == BODY and SECRET in paid["gated_html"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"visibility": "secret"}, "visibility"),
        ({"visibility": "tiers"}, "access_tiers"),
        ({"visibility": "tiers", "access_tiers": [999_999]}, "access_tiers"),
        ({"visibility": "paid", "access_tiers": ["gold"]}, "access_tiers.0"),
        ({"visibility": "members", "access_tiers": "TIER"}, "access_tiers"),
        ({"visibility": "public", "access_tiers": [1]}, "access_tiers"),
    ],
)
def test_admin_api_refuses_a_bad_visibility_naming_the_field(blog, fields, field):
    tier(blog)
    client, auth = host_client(blog), bearer(token_for(blog))
    answer = send(client, "post", f"{BASE}/posts/", {"title": "T", "body": BODY, **fields}, **auth)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["field"] == field
    assert field.split(".")[0] in answer.json()["error"]["message"]
    with tenant_context(blog):
        assert not Post.objects.exists()


def test_admin_api_refuses_a_bad_update_and_keeps_the_post(blog):
    client, auth = host_client(blog), bearer(token_for(blog))
    data = send(client, "post", f"{BASE}/posts/", {"title": "T", "body": BODY,
                "visibility": "paid"}, **auth).json()  # fmt: skip
    for fields in ({"visibility": "tiers"}, {"access_tiers": [1]}, {"visibility": "all"}):
        answer = send(client, "patch", f"{BASE}/posts/{data['id']}/", {"body": "x", **fields},
                      HTTP_IF_MATCH="*", **auth)  # fmt: skip
        assert answer.status_code == 400, (fields, answer.content)
        assert answer.json()["error"]["field"] in ("visibility", "access_tiers")
    with tenant_context(blog):
        post = Post.objects.get(id=data["id"])
    assert (post.visibility, post.body) == ("paid", BODY)


def test_another_blogs_post_is_404_through_the_admin_api(blog, pro_blog):
    other = pro_blog("bravo")
    theirs = make_post(other, body=BODY, visibility="paid")
    client, auth = host_client(blog), bearer(token_for(blog))
    path = f"{BASE}/posts/{theirs.id}/"
    assert client.get(path, **auth).status_code == 404
    patched = send(client, "patch", path, {"visibility": "public"}, HTTP_IF_MATCH="*", **auth)
    assert patched.status_code == 404
    listed = client.get(f"{BASE}/posts/", **auth)
    assert SECRET not in listed.content.decode() and listed.json()["posts"] == []
    with tenant_context(other):
        assert Post.objects.get(id=theirs.id).visibility == "paid"


def test_content_api_says_who_reads_the_rest_and_shows_the_public_part(blog):
    post = make_post(blog, body=BODY, visibility="members", action="publish")
    make_post(blog, title="Open", body="For everyone.", action="publish")
    key = content_key(blog)
    reader = host_client(blog)
    for attempt in ("miss", "hit"):
        listed = reader.get("/api/content/v1/posts/", {"key": key})
        one = reader.get(f"/api/content/v1/posts/slug/{post.slug}/", {"key": key})
        assert listed["X-Cache"] == one["X-Cache"] == attempt
        assert SECRET not in listed.content.decode() + one.content.decode()
        assert one.json()["visibility"] == "members" and PUBLIC in one.json()["html"]
        by_title = {p["title"]: p["visibility"] for p in listed.json()["posts"]}
        assert by_title == {"Hello": "members", "Open": "public"}


def test_content_api_answers_follow_a_visibility_change(blog):
    post = make_post(blog, body=BODY, action="publish")
    key, reader = content_key(blog), host_client(blog)
    path = f"/api/content/v1/posts/slug/{post.slug}/"
    before = reader.get(path, {"key": key}).json()
    assert before["visibility"] == "public" and SECRET in before["html"]
    client, auth = host_client(blog), bearer(token_for(blog))
    send(client, "patch", f"{BASE}/posts/{post.id}/", {"visibility": "paid"},
         HTTP_IF_MATCH="*", **auth)  # fmt: skip
    after = reader.get(path, {"key": key})
    assert after["X-Cache"] == "miss"
    assert after.json()["visibility"] == "paid" and SECRET not in after.content.decode()
    assert PUBLIC in after.json()["html"]
