"""Post history: revisions kept on every save, coalesced autosaves, cap, diff, restore, roles,
and another blog can never see or restore them."""

import html5lib
import pytest

from blog import history, services
from blog.models import Post, PostRevision
from tenants.context import tenant_context
from tests.blog.conftest import login, write
from tests.conftest import add_member, host_client


def _revisions(tenant, post_id):
    with tenant_context(tenant):
        return list(PostRevision.objects.filter(post_id=post_id).order_by("created_at", "id"))


def _new_post(client, tenant, title="First", body="one\ntwo\nthree"):
    response = client.post("/dashboard/posts/new/", {"title": title, "body": body, "save": ""})
    assert response.status_code == 302
    with tenant_context(tenant):
        return Post.objects.get(title=title)


def test_every_save_keeps_a_revision_and_autosaves_coalesce(tenant, owner_client):
    post = _new_post(owner_client, tenant)
    url = f"/dashboard/posts/{post.id}/"
    owner_client.post(url, {"title": "First", "body": "one\n2\nthree", "tags": "a", "save": ""})
    owner_client.post(url, {"title": "First", "body": "one\n2\nthree", "tags": "a", "save": ""})
    for n in range(3):
        response = owner_client.post(url, {"title": "First", "body": f"auto {n}", "autosave": "1"})
        assert response.status_code == 204
    revisions = _revisions(tenant, post.id)
    # create, edit (the identical save is not kept), one coalesced autosave holding the last
    assert [(r.body, r.autosave) for r in revisions] == [
        ("one\ntwo\nthree", False),
        ("one\n2\nthree", False),
        ("auto 2", True),
    ]
    assert revisions[1].tags == ["a"] and revisions[1].by_id == tenant.owner.id


def test_history_is_capped_per_post(tenant):
    post = write(tenant, "Capped", action="save")
    with tenant_context(tenant):
        for n in range(services.MAX_REVISIONS_PER_POST + 5):
            post = services.post_update_recorded(
                tenant=tenant, post=post, by=tenant.owner, title="Capped", body=f"v{n}"
            )
        kept = PostRevision.objects.filter(post=post)
        assert kept.count() == services.MAX_REVISIONS_PER_POST
        newest = kept.order_by("-created_at", "-id").first()
        assert newest.body == f"v{services.MAX_REVISIONS_PER_POST + 4}"


def test_diff_is_escaped_and_restore_is_a_new_save(tenant, owner_client):
    post = _new_post(owner_client, tenant, title="Doc", body="hello <script>alert(1)</script>")
    owner_client.post(
        f"/dashboard/posts/{post.id}/", {"title": "Doc", "body": "goodbye", "publish": ""}
    )
    first = _revisions(tenant, post.id)[0]
    page = owner_client.get(f"/dashboard/posts/{post.id}/history/?rev={first.id}")
    assert page.status_code == 200
    tree = html5lib.parse(page.content, namespaceHTMLElements=False)
    assert not [s for s in tree.iter("script") if "alert(1)" in (s.text or "")]
    dels = [s.text for s in tree.iter("span") if s.get("class") == "diff-del"]
    adds = [s.text for s in tree.iter("span") if s.get("class") == "diff-add"]
    assert "- hello <script>alert(1)</script>" in dels and "+ goodbye" in adds
    assert b"/history/" in owner_client.get(f"/dashboard/posts/{post.id}/").content

    reader = host_client(tenant)
    assert b"goodbye" in reader.get("/doc/").content  # now cached
    response = owner_client.post(f"/dashboard/posts/{post.id}/history/{first.id}/restore/")
    assert response.status_code == 302
    with tenant_context(tenant):
        post.refresh_from_db()
        assert post.status == "published" and post.body == first.body
        assert "<script>" not in post.body_html
    assert b"alert(1)" in reader.get("/doc/").content  # page cache invalidated by the save
    assert b"<script>alert(1)" not in reader.get("/doc/").content  # sanitised as any save
    revisions = _revisions(tenant, post.id)
    assert len(revisions) == 3 and revisions[-1].origin == "restore"


def test_restore_goes_through_the_post_checks(tenant, owner_client):
    post = write(tenant, "Checked", action="save")
    with tenant_context(tenant):
        revision = PostRevision.objects.create(post=post, title="", body="x")
    response = owner_client.post(f"/dashboard/posts/{post.id}/history/{revision.id}/restore/")
    assert response.status_code == 302
    follow = owner_client.get(response["Location"])
    assert "Not restored: Give the post a title." in follow.content.decode()


@pytest.mark.parametrize(("role", "allowed"), [("editor", True), ("author", False)])
def test_history_roles_are_the_editors(tenant, password, role, allowed):
    someone = add_member(tenant, "author")
    theirs = write(tenant, "Theirs", author=someone, action="save")
    with tenant_context(tenant):
        rev = services.post_revision_record(post=theirs, by=someone)
    client = login(tenant, add_member(tenant, role), password)
    page = client.get(f"/dashboard/posts/{theirs.id}/history/")
    restore = client.post(f"/dashboard/posts/{theirs.id}/history/{rev.id}/restore/")
    assert (page.status_code, restore.status_code) == ((200, 302) if allowed else (403, 403))


def test_another_blog_cannot_see_or_restore_history(tenant, other_tenant, owner_client, password):
    mine = write(tenant, "Mine", action="save")
    theirs = write(other_tenant, "Theirs secret", action="save")
    with tenant_context(other_tenant):
        rev = services.post_revision_record(post=theirs, by=other_tenant.owner)
    with tenant_context(tenant):
        services.post_revision_record(post=mine, by=tenant.owner)
    # Same ids in both schemas: the owner of A asking A's host for B's ids sees A's rows only.
    page = owner_client.get(f"/dashboard/posts/{theirs.id}/history/")
    assert b"Theirs secret" not in page.content
    restore = owner_client.post(f"/dashboard/posts/{mine.id}/history/{rev.id + 100}/restore/")
    assert restore.status_code == 404
    # A's owner on B's host is not a member there.
    other = host_client(other_tenant)
    other.login(email=tenant.owner.email, password=password)
    assert other.get(f"/dashboard/posts/{theirs.id}/history/").status_code == 403
    assert other.post(f"/dashboard/posts/{theirs.id}/history/{rev.id}/restore/").status_code == 403
    with tenant_context(other_tenant):
        assert history.post_revisions(post=theirs).count() == 1


def test_history_page_query_count_does_not_grow(
    tenant, owner_client, django_assert_max_num_queries
):
    post = write(tenant, "Many", action="save")
    with tenant_context(tenant):
        for n in range(20):
            post = services.post_update_recorded(
                tenant=tenant, post=post, by=tenant.owner, title="Many", body=f"v{n}"
            )
    owner_client.get(f"/dashboard/posts/{post.id}/history/")  # warm the route cache
    with django_assert_max_num_queries(12):
        page = owner_client.get(f"/dashboard/posts/{post.id}/history/")
    assert page.content.count(b"/restore/") == 19
