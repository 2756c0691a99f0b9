from blog.models import Post
from tenants.context import tenant_context
from tests.conftest import add_member, host_client
from tests.html import body_problems


def test_blogger_writes_publishes_and_readers_see_it(tenant, owner_client):
    response = owner_client.post(
        "/dashboard/posts/new/",
        {"title": "My First Post", "body": "Hello **world**", "tags": "Intro, News", "publish": ""},
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        post = Post.objects.get()
    assert post.status == "published" and post.published_at is not None
    assert post.tags == ["intro", "news"]

    reader = host_client(tenant)
    assert b"My First Post" in reader.get("/").content
    page = reader.get("/my-first-post/")
    assert page.status_code == 200
    assert b"<strong>world</strong>" in page.content


def test_drafts_stay_private_until_published(tenant, owner_client):
    owner_client.post("/dashboard/posts/new/", {"title": "Draft idea", "body": "wip"})
    reader = host_client(tenant)
    assert b"Draft idea" not in reader.get("/").content
    assert reader.get("/draft-idea/").status_code == 404
    with tenant_context(tenant):
        post = Post.objects.get()
    owner_client.post(
        f"/dashboard/posts/{post.id}/", {"title": "Draft idea", "body": "done", "publish": ""}
    )
    assert reader.get("/draft-idea/").status_code == 200


def test_bad_input_is_refused_with_a_message_and_kept(owner_client, tenant):
    response = owner_client.post(
        "/dashboard/posts/new/", {"title": "", "body": "keep this text", "tags": "x"}
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert b"keep this text" in response.content
    too_many = ", ".join(f"t{i}" for i in range(21))
    response = owner_client.post("/dashboard/posts/new/", {"title": "T", "tags": too_many})
    assert b"at most 20 tags" in response.content
    with tenant_context(tenant):
        assert not Post.objects.exists()


def test_raw_html_in_markdown_is_inert(owner_client, tenant):
    owner_client.post(
        "/dashboard/posts/new/",
        {
            "title": "<script>alert(1)</script>",
            "body": "<script>alert(1)</script>\n\n"
            "[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
            "publish": "",
        },
    )
    with tenant_context(tenant):
        post = Post.objects.get()
    html = host_client(tenant).get(f"/{post.slug}/").content.decode()
    assert body_problems(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run


def test_an_author_edits_only_their_own_posts(tenant, password):
    author = add_member(tenant, "author")
    with tenant_context(tenant):
        owners = Post.objects.create(
            title="Owner's", slug="owners", author_id=tenant.owner.id, status="published"
        )
    client = host_client(tenant)
    assert client.login(email=author.email, password=password)
    assert client.get(f"/dashboard/posts/{owners.id}/").status_code == 403
    response = client.post(f"/dashboard/posts/{owners.id}/", {"title": "Hijacked", "body": ""})
    assert response.status_code == 403
    with tenant_context(tenant):
        assert Post.objects.get(id=owners.id).title == "Owner's"
    assert b"Owner&#x27;s" not in client.get("/dashboard/").content


def test_slugs_are_unique_and_never_shadow_blog_paths(owner_client, tenant):
    for title in ("Same", "Same", "Dashboard"):
        owner_client.post("/dashboard/posts/new/", {"title": title, "publish": ""})
    with tenant_context(tenant):
        slugs = set(Post.objects.values_list("slug", flat=True))
    assert slugs == {"same", "same-2", "dashboard-post"}
