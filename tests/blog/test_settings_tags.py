"""Blog settings (look, words, language, navigation) and the tags screen."""

from blog.models import BlogSettings, Post
from lib.urls import blog_host
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.routing import host_resolve
from tests.blog.conftest import write
from tests.conftest import host_client
from tests.support.blog_settings import BASE


def test_settings_change_what_readers_see_at_once(tenant, owner_client):
    reader = host_client(tenant)
    assert reader.get("/")["X-Cache"] == "miss"
    response = owner_client.post(
        "/dashboard/settings/",
        BASE | {"title": "Field Notes", "tagline": "From the field", "theme": "dark",
                "accent": "#AA3300", "posts_per_page": 2, "navigation": "About | /about/\nCode | https://code.example",
                "footer": "© Me"},
    )  # fmt: skip
    assert response.status_code == 302
    for i in range(3):
        write(tenant, f"P{i}")
    html = reader.get("/").content.decode()
    assert "Field Notes" in html and "From the field" in html and "© Me" in html
    assert 'data-theme="dark"' in html and "--accent: #aa3300" in html
    assert '<a href="/about/">About</a><a href="https://code.example">Code</a>' in html
    assert html.count("<h2>") == 2 and "Older posts" in html
    assert b"Field Notes" in reader.get("/feed/").content


def test_language_is_saved_on_the_tenant_and_the_cached_route(tenant, owner_client):
    host = blog_host(tenant.subdomain)
    assert host_resolve(host).tenant.language == "english"  # now in the routing cache
    owner_client.post("/dashboard/settings/", BASE | {"language": "german"})
    assert Tenant.objects.get(id=tenant.id).language == "german"
    assert host_resolve(host).tenant.language == "german"


def test_bad_settings_are_refused_with_a_message(tenant, owner_client):
    for field, value, message in [
        ("navigation", "Evil | javascript:alert(1)", b"is not a link readers can follow"),
        ("navigation", "no separator", b"write links as"),
        ("accent", "red;}</style>", b"Write the accent colour as #rrggbb"),
        ("posts_per_page", 0, b"greater than or equal to 1"),
        ("language", "klingon", b"Select a valid choice"),
    ]:
        response = owner_client.post("/dashboard/settings/", BASE | {field: value})
        assert response.status_code == 200 and message in response.content, field
    with tenant_context(tenant):
        assert not BlogSettings.objects.exists()


def test_rename_and_merge_tags_update_every_post(tenant, owner_client):
    a = write(tenant, "A", tags="py, django")
    b = write(tenant, "B", tags="python, web")
    c = write(tenant, "C", tags="py, python", action="save")
    page = owner_client.get("/dashboard/tags/").content.decode()
    assert "<td>py</td><td>2</td>" in page
    owner_client.post("/dashboard/tags/", {"sources": "py, python", "target": "Python"})
    with tenant_context(tenant):
        tags = dict(Post.objects.values_list("id", "tags"))
    assert tags == {a.id: ["python", "django"], b.id: ["python", "web"], c.id: ["python"]}
    response = owner_client.post("/dashboard/tags/", {"sources": "web", "target": "www"})
    assert b"1 post updated" in response.content
    reader = host_client(tenant)
    assert b">B<" in reader.get("/tag/www/").content
    assert b">B<" not in reader.get("/tag/web/").content
