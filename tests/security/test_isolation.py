"""Tenant isolation: nothing of blog A is visible or usable on blog B's host."""

from blog import services as blog_services
from shared.accounts import services as account_services
from tenants.context import tenant_context
from tests.conftest import host_client


def publish(tenant, title, body="Secret body of a post"):
    with tenant_context(tenant):
        return blog_services.post_create(
            tenant=tenant,
            author=tenant.owner,
            title=title,
            body=body,
            tags="private",
            action="publish",
        )


def login(client, email, password):
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content[:300]


def test_a_post_of_blog_a_is_invisible_on_blog_b(tenant, other_tenant, password):
    post = publish(tenant, "Alpha only launch plan")
    a, b = host_client(tenant), host_client(other_tenant)
    assert b"Alpha only launch plan" in a.get("/").content
    assert a.get(f"/{post.slug}/").status_code == 200

    assert b"Alpha only launch plan" not in b.get("/").content
    assert b.get(f"/{post.slug}/").status_code == 404
    login(b, other_tenant.owner.email, password)
    dashboard = b.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b"Alpha only launch plan" not in dashboard.content
    assert b.get(f"/dashboard/posts/{post.id}/").status_code == 404


def test_a_member_of_a_gets_no_access_to_b_dashboard(tenant, other_tenant, password):
    b = host_client(other_tenant)
    login(b, tenant.owner.email, password)  # a global account, but no membership on B
    response = b.get("/dashboard/")
    assert response.status_code == 403
    assert b"not a member" in response.content
    assert b.post("/dashboard/posts/new/", {"title": "Sneaky"}).status_code == 403
    with tenant_context(other_tenant):
        from blog.models import Post

        assert not Post.objects.filter(title="Sneaky").exists()


def test_session_cookie_of_a_replayed_on_b_is_not_logged_in(tenant, other_tenant, password):
    a = host_client(tenant)
    login(a, tenant.owner.email, password)
    assert a.get("/dashboard/").status_code == 200
    session_id = a.cookies["sessionid"].value

    # The owner of A is also a member of B: only the session binding can keep them out.
    from tests.conftest import add_member

    add_member(other_tenant, "editor", user=tenant.owner)
    b = host_client(other_tenant)
    b.cookies["sessionid"] = session_id
    response = b.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # ...and the session still works where it was made.
    assert a.get("/dashboard/").status_code == 200


def test_root_domain_session_is_not_accepted_on_a_blog(tenant, password, root_client):
    login(root_client, tenant.owner.email, password)
    assert root_client.get("/blogs/").status_code == 200
    blog = host_client(tenant)
    blog.cookies["sessionid"] = root_client.cookies["sessionid"].value
    assert blog.get("/dashboard/").status_code == 302


def test_handoff_token_works_once_and_only_on_its_own_host(tenant, other_tenant):
    token = account_services.handoff_issue(user=tenant.owner, tenant_id=tenant.id)

    elsewhere = host_client(other_tenant)
    response = elsewhere.get(f"/accounts/handoff/?token={token}")
    assert response.status_code == 400
    assert elsewhere.get("/dashboard/").status_code == 302

    a = host_client(tenant)
    assert a.get(f"/accounts/handoff/?token={token}")["Location"] == "/dashboard/"
    assert a.get("/dashboard/").status_code == 200

    again = host_client(tenant)
    assert again.get(f"/accounts/handoff/?token={token}").status_code == 400
    assert again.get("/dashboard/").status_code == 302


def test_handoff_token_expires_after_a_minute(tenant, settings):
    token = account_services.handoff_issue(user=tenant.owner, tenant_id=tenant.id)
    settings.QUIRE_HANDOFF_MAX_AGE = -1  # as if more than the allowed age had passed
    client = host_client(tenant)
    assert client.get(f"/accounts/handoff/?token={token}").status_code == 400
    assert client.get("/dashboard/").status_code == 302


def test_forged_handoff_token_is_refused(tenant):
    client = host_client(tenant)
    assert client.get("/accounts/handoff/?token=abc:def").status_code == 400
    assert client.get("/accounts/handoff/").status_code == 400
