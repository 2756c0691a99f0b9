"""Writing: states, scheduling, slugs and redirects, pages, preview, delete, limits."""

from datetime import timedelta

from django.utils import timezone

from blog import selectors, services
from blog.models import Post
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import host_client


def _post(tenant, **filters) -> Post:
    with tenant_context(tenant):
        return Post.objects.get(**filters)


def test_scheduling_in_the_future_then_publish_due(tenant, owner_client):
    when = timezone.now() + timedelta(hours=2)
    response = owner_client.post(
        "/dashboard/posts/new/",
        {
            "title": "Later",
            "body": "soon",
            "publish_at": when.strftime("%Y-%m-%dT%H:%M"),
            "schedule": "",
        },
    )
    assert response.status_code == 302
    post = _post(tenant, slug="later")
    assert post.status == "scheduled"
    reader = host_client(tenant)
    assert reader.get("/later/").status_code == 404
    assert b"Later" not in reader.get("/").content
    assert b"Later" not in reader.get("/feed/").content
    assert b"/later/" not in reader.get("/sitemap.xml").content
    assert b"Later" not in reader.get("/archive/").content
    with tenant_context(tenant):
        assert selectors.next_scheduled_at() == post.published_at
        assert services.post_publish_due(tenant_id=tenant.id, now=timezone.now()) == 0
        assert services.post_publish_due(tenant_id=tenant.id, now=when + timedelta(minutes=1)) == 1
        assert (
            services.post_publish_due(tenant_id=tenant.id, now=when + timedelta(minutes=1)) == 0
        )  # idempotent
        assert selectors.next_scheduled_at() is None
    assert reader.get("/later/").status_code == 200  # cache invalidated by the service


def test_scheduling_in_the_past_says_so(tenant, owner_client):
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = owner_client.post(
        "/dashboard/posts/new/", {"title": "Oops", "body": "x", "publish_at": past, "schedule": ""}
    )
    assert response.status_code == 200
    assert b"is in the past: choose a time in the future" in response.content
    assert b"Oops" in response.content  # the input is kept
    with tenant_context(tenant):
        assert not Post.objects.exists()


def test_unpublish_back_to_draft(tenant, owner_client):
    post = write(tenant, "Up and down")
    reader = host_client(tenant)
    assert reader.get("/up-and-down/").status_code == 200
    owner_client.post(f"/dashboard/posts/{post.id}/", {"title": "Up and down", "unpublish": ""})
    assert _post(tenant, id=post.id).status == "draft"
    assert reader.get("/up-and-down/").status_code == 404


def test_changing_a_published_slug_redirects_the_old_url(tenant, owner_client):
    post = write(tenant, "Old name")
    reader = host_client(tenant)
    assert reader.get("/old-name/").status_code == 200
    owner_client.post(
        f"/dashboard/posts/{post.id}/", {"title": "New name", "slug": "new-name", "save": ""}
    )
    response = reader.get("/old-name/")
    assert response.status_code == 301 and response["Location"] == "/new-name/"
    assert reader.get("/new-name/").status_code == 200
    # A second rename keeps both old URLs working.
    owner_client.post(f"/dashboard/posts/{post.id}/", {"title": "New name", "slug": "third"})
    assert reader.get("/old-name/")["Location"] == "/third/"
    assert reader.get("/new-name/")["Location"] == "/third/"


def test_a_taken_or_reserved_slug_is_refused(tenant, owner_client):
    write(tenant, "Taken")
    response = owner_client.post("/dashboard/posts/new/", {"title": "Other", "slug": "taken"})
    assert b"already uses the slug" in response.content
    response = owner_client.post("/dashboard/posts/new/", {"title": "Other", "slug": "feed"})
    assert b"used by the blog itself" in response.content


def test_pages_are_not_in_the_post_list_but_answer_at_their_slug(tenant, owner_client):
    owner_client.post("/dashboard/pages/new/", {"title": "About", "body": "Me.", "publish": ""})
    write(tenant, "A real post")
    page = _post(tenant, slug="about")
    assert page.kind == "page"
    reader = host_client(tenant)
    assert reader.get("/about/").status_code == 200
    home = reader.get("/").content
    assert b"A real post" in home and b"/about/" not in home
    assert b"About" not in reader.get("/feed/").content
    assert b"/about/" in reader.get("/sitemap.xml").content


def test_preview_renders_without_saving(tenant, owner_client):
    response = owner_client.post(
        "/dashboard/posts/new/", {"title": "P", "body": "| a |\n|---|\n| *b* |", "preview": ""}
    )
    assert response.status_code == 200
    assert b"<td><em>b</em></td>" in response.content
    with tenant_context(tenant):
        assert not Post.objects.exists()


def test_delete_asks_for_confirmation(tenant, owner_client):
    post = write(tenant, "Doomed")
    confirm = owner_client.get(f"/dashboard/posts/{post.id}/delete/")
    assert b"cannot be undone" in confirm.content
    with tenant_context(tenant):
        assert Post.objects.filter(id=post.id).exists()
    owner_client.post(f"/dashboard/posts/{post.id}/delete/")
    with tenant_context(tenant):
        assert not Post.objects.filter(id=post.id).exists()
    assert host_client(tenant).get("/doomed/").status_code == 404


def test_excerpt_is_made_from_the_body_when_empty(tenant):
    words = " ".join(f"w{i}" for i in range(80))
    post = write(tenant, "Long", body=f"# Head\n\n**{words}**")
    assert post.summary.startswith("Head w0 w1") and post.summary.endswith("…")
    assert "<" not in post.summary
    own = write(tenant, "Own", excerpt="My own words")
    assert own.summary == "My own words"


def test_limits_have_clear_messages(owner_client, tenant):
    response = owner_client.post("/dashboard/posts/new/", {"title": "x" * 201})
    assert b"at most 200 characters" in response.content
    response = owner_client.post("/dashboard/posts/new/", {"title": "Big", "body": "x" * 500_001})
    assert b"the limit is 500 KB" in response.content
    response = owner_client.post("/dashboard/posts/new/", {"title": "T", "tags": "y" * 51})
    assert b"at most 50 characters" in response.content
    with tenant_context(tenant):
        assert not Post.objects.exists()


def test_editing_keeps_metadata_fields(tenant, owner_client):
    owner_client.post(
        "/dashboard/posts/new/",
        {
            "title": "Meta",
            "meta_description": "Short desc",
            "canonical_url": "https://elsewhere.example/meta",
            "cover_image_url": "https://img.example/c.png",
            "publish": "",
        },
    )
    html = host_client(tenant).get("/meta/").content.decode()
    assert '<link rel="canonical" href="https://elsewhere.example/meta">' in html
    assert '<meta property="og:image" content="https://img.example/c.png">' in html
    assert '<meta name="description" content="Short desc">' in html
    response = owner_client.post(
        "/dashboard/posts/new/", {"title": "Bad", "cover_image_url": "javascript:alert(1)"}
    )
    assert b"Use an http:// or https:// address." in response.content


def test_a_scheduled_post_goes_back_to_draft(tenant, owner_client):
    when = timezone.now() + timedelta(days=1)
    post = write(tenant, "Planned", action="schedule", publish_at=when)
    assert b"Back to draft" in owner_client.get(f"/dashboard/posts/{post.id}/").content
    owner_client.post(f"/dashboard/posts/{post.id}/", {"title": "Planned", "unpublish": ""})
    post = _post(tenant, id=post.id)
    assert post.status == "draft" and post.published_at is None


def test_autosave_keeps_drafts_and_never_touches_live_posts(tenant, owner_client):
    draft = write(tenant, "Draft", action="save")
    response = owner_client.post(
        f"/dashboard/posts/{draft.id}/", {"title": "Draft", "body": "more", "autosave": "1"}
    )
    assert response.status_code == 204
    assert _post(tenant, id=draft.id).body == "more"
    live = write(tenant, "Live")
    response = owner_client.post(
        f"/dashboard/posts/{live.id}/", {"title": "Live", "body": "half-done", "autosave": "1"}
    )
    assert response.status_code == 409
    assert _post(tenant, id=live.id).body == "Body of Live"
