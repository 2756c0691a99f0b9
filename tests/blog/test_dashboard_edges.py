"""The dashboard's rough edges: confirmation messages, the live preview endpoint, the
plan shown before its limits are met, settings title prefill and the accent contrast check."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from blog.contrast import ContrastProblem, accent_problems, contrast_ratio, relative_luminance
from blog.models import BlogSettings, Post
from blog.rendering import markdown_render
from lib.urls import blog_host
from shared.accounts.models import Membership
from tenants.context import tenant_context
from tests.blog.conftest import login, write
from tests.conftest import add_member, host_client, plan_set
from tests.support.blog_settings import BASE
from tests.support.plans import FREE_POSTS, fill_to_the_limit

# --- WCAG contrast maths -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        ("#777777", "#ffffff", 4.48),  # the classic near miss
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#ffffff", "#3559e0", 5.74),  # white on Quire's default accent
    ],
)
def test_contrast_ratio_matches_known_pairs(foreground, background, expected):
    assert round(contrast_ratio(foreground, background), 2) == expected
    assert contrast_ratio(background, foreground) == contrast_ratio(foreground, background)


def test_relative_luminance_ends_and_linear_segment():
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    # sRGB 10/255 = 0.0392 is under 0.04045: the linear part, c / 12.92
    assert relative_luminance("#0a0a0a") == pytest.approx((10 / 255) / 12.92)
    with pytest.raises(ValueError):
        relative_luminance("#fff")


def test_accent_problems_name_each_failing_pair_without_rounding_up():
    assert accent_problems(accent="#3559e0", theme="light") == []
    # #777777 against white, either way round: links on the page and white button text
    assert [str(p) for p in accent_problems(accent="#777777", theme="light")] == [
        "links on the light theme's background: 4.48:1 (AA needs 4.5:1)",
        "white text on accent-coloured buttons: 4.48:1 (AA needs 4.5:1)",
    ]
    dark = [str(p) for p in accent_problems(accent="#3559e0", theme="dark")]
    assert dark == ["links on the dark theme's background: 3.12:1 (AA needs 4.5:1)"]
    assert [str(p) for p in accent_problems(accent="#b3c4ff", theme="dark")] == [
        "white text on accent-coloured buttons: 1.71:1 (AA needs 4.5:1)"
    ]
    assert str(ContrastProblem(what="x", ratio=4.4971)) == "x: 4.49:1 (AA needs 4.5:1)"


# --- settings ----------------------------------------------------------------------------------


def test_settings_title_is_prefilled_with_the_blog_name_and_follows_it(tenant, owner_client):
    page = owner_client.get("/dashboard/settings/").content.decode()
    assert 'name="title" value="Alpha"' in page
    # Saving the prefilled name saves no title of its own: the blog's name stays the title.
    assert owner_client.post("/dashboard/settings/", BASE | {"title": "Alpha"}).status_code == 302
    with tenant_context(tenant):
        assert BlogSettings.objects.get().title == ""
    owner_client.post("/dashboard/settings/", BASE | {"title": "Field Notes"})
    page = owner_client.get("/dashboard/settings/").content.decode()
    assert 'name="title" value="Field Notes"' in page


def test_a_low_contrast_accent_is_saved_with_a_clear_warning(tenant, owner_client):
    response = owner_client.post("/dashboard/settings/", BASE | {"accent": "#777777"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/dashboard/settings/saved/"
    assert "Low contrast for the accent #777777" in page
    assert "links on the light theme&#x27;s background: 4.48:1 (AA needs 4.5:1)" in page
    assert "white text on accent-coloured buttons: 4.48:1" in page
    with tenant_context(tenant):
        assert BlogSettings.objects.get().accent == "#777777"  # the writer's choice stands

    response = owner_client.post("/dashboard/settings/", BASE | {"theme": "dark"}, follow=True)
    assert "links on the dark theme&#x27;s background: 3.12:1" in response.content.decode()

    response = owner_client.post("/dashboard/settings/", BASE | {"accent": "#3559e0"}, follow=True)
    assert "Low contrast" not in response.content.decode()


# --- confirmation messages ---------------------------------------------------------------------


def _later():
    return timezone.now() + timedelta(days=1)


def _same_cookies_on(client: Client, host: str) -> Client:
    """Another client sending `client`'s cookies to `host` (as a copied cookie would)."""
    other = Client(HTTP_HOST=host)
    for name, morsel in client.cookies.items():
        other.cookies[name] = morsel.value
    return other


def _fields(**extra) -> dict:
    return {"title": "Hello", "body": "Hi", **extra}


def test_publish_save_schedule_and_update_land_on_the_list_with_a_message(tenant, owner_client):
    response = owner_client.post("/dashboard/posts/new/", _fields(publish=""), follow=True)
    assert response.redirect_chain == [("/dashboard/", 302)]
    page = response.content.decode()
    assert 'Published “Hello”. <a href="/hello/">View post</a>' in page
    with tenant_context(tenant):
        post = Post.objects.get(slug="hello")

    page = owner_client.post(
        f"/dashboard/posts/{post.id}/", _fields(title="Hello again", save=""), follow=True
    ).content.decode()
    assert 'Saved “Hello again”: readers see it now. <a href="/hello/">View post</a>' in page
    assert "Published “Hello" not in page  # messages are shown once

    page = owner_client.post(
        "/dashboard/posts/new/", _fields(title="Draft one", save=""), follow=True
    ).content.decode()
    assert "Saved draft “Draft one”." in page

    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    page = owner_client.post(
        "/dashboard/posts/new/",
        _fields(title="Later", schedule="", publish_at=when.strftime("%Y-%m-%dT%H:%M")),
        follow=True,
    ).content.decode()
    assert f"Scheduled “Later” for {when:%-d %b %Y %H:%M} UTC." in page
    with tenant_context(tenant):
        later = Post.objects.get(slug="later")
    page = owner_client.post(
        f"/dashboard/posts/{later.id}/", _fields(title="Later", publish=""), follow=True
    ).content.decode()
    assert 'Published “Later”. <a href="/later/">View post</a>' in page  # "Publish now"

    page = owner_client.post(
        f"/dashboard/posts/{post.id}/", _fields(unpublish=""), follow=True
    ).content.decode()
    assert "“Hello” is a draft again." in page

    page = owner_client.post(
        "/dashboard/pages/new/", _fields(title="About", publish=""), follow=True
    ).content.decode()
    assert 'Published “About”. <a href="/about/">View page</a>' in page


def test_messages_escape_what_the_writer_typed(tenant, owner_client):
    page = owner_client.post(
        "/dashboard/posts/new/", _fields(title="<b>bold</b>", save=""), follow=True
    ).content.decode()
    assert "Saved draft “&lt;b&gt;bold&lt;/b&gt;”." in page


# --- live preview endpoint ---------------------------------------------------------------------


def test_preview_renders_like_publishing_and_saves_nothing(tenant, member_client):
    body = (
        "# Head\n\n| a |\n|---|\n| *b* |\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))"
    )
    for role in ("owner", "editor", "author"):  # every member writes, so every member previews
        client, _ = member_client(role)
        response = client.post("/dashboard/preview/", {"title": "T <i>", "body": body})
        assert response.status_code == 200, role
        html = response.content.decode()
        assert markdown_render(body) in html  # the very same rendering and nh3 policy
        assert "<h1>T &lt;i&gt;</h1>" in html
        assert "<td><em>b</em></td>" in html
        assert "<img" not in html and 'href="javascript' not in html
    with tenant_context(tenant):
        assert not Post.objects.exists()


def test_preview_is_a_post_with_a_csrf_token(tenant, password):
    client = Client(HTTP_HOST=blog_host(tenant.subdomain), enforce_csrf_checks=True)
    assert client.login(email=tenant.owner.email, password=password)
    assert client.post("/dashboard/preview/", {"body": "x"}).status_code == 403  # no token
    page = client.get("/dashboard/posts/new/")
    token = page.cookies["csrftoken"].value
    response = client.post("/dashboard/preview/", {"body": "*x*"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and b"<em>x</em>" in response.content
    assert client.get("/dashboard/preview/").status_code == 405


def test_preview_refuses_strangers_and_bad_input_with_clear_answers(tenant, owner_client):
    anonymous = host_client(tenant).post("/dashboard/preview/", {"body": "x"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    too_long = owner_client.post("/dashboard/preview/", {"body": "x" * 600_000})
    assert too_long.status_code == 400 and b"the limit is 500 KB" in too_long.content
    nul = owner_client.post("/dashboard/preview/", {"body": "a\x00b"})
    assert nul.status_code == 400 and b"Null characters are not allowed" in nul.content


def test_preview_of_one_blog_is_closed_to_members_of_another(
    tenant, other_tenant, owner_client, password
):
    # A's owner, logged in on A: their session means nothing on B's host.
    b_host = blog_host(other_tenant.subdomain)
    response = _same_cookies_on(owner_client, b_host).post("/dashboard/preview/", {"body": "*x*"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # A's owner logging in on B: not a member there.
    on_b = login(other_tenant, tenant.owner, password)
    assert on_b.post("/dashboard/preview/", {"body": "*x*"}).status_code == 403
    # B's own owner previews on B.
    b_owner = login(other_tenant, other_tenant.owner, password)
    assert b"<em>x</em>" in b_owner.post("/dashboard/preview/", {"body": "*x*"}).content


# --- the plan, shown before its limits ---------------------------------------------------------


def test_editor_warns_before_the_last_allowed_post(tenant, owner_client, member_client):
    fill_to_the_limit(tenant, count=FREE_POSTS - 2)
    assert b"plan allows" not in owner_client.get("/dashboard/posts/new/").content

    write(tenant, "Scheduled ones count", action="schedule", publish_at=_later())  # 19 of 20
    page = owner_client.get("/dashboard/posts/new/").content.decode()
    assert "This is the last post your Free plan allows (19 of 20 published)." in page
    assert '<a href="/dashboard/billing/">Upgrade</a>' in page
    assert page.index("last post your Free plan") < page.index('name="publish"')
    editor, _ = member_client("editor")
    page = editor.get("/dashboard/posts/new/").content.decode()
    assert "Ask the blog's owner to upgrade" in page and "/dashboard/billing/" not in page
    # Pages are not counted, and editing a post that is already live uses nothing.
    assert b"plan allows" not in owner_client.get("/dashboard/pages/new/").content
    live = write(tenant, "Live one")  # 20 of 20 now
    assert b"plan allows" not in owner_client.get(f"/dashboard/posts/{live.id}/").content
    draft = write(tenant, "Waiting", action="save")
    page = owner_client.get(f"/dashboard/posts/{draft.id}/").content.decode()
    assert "Your Free plan allows 20 published posts and this blog has 20" in page

    plan_set(tenant, "pro")
    assert b"plan allows" not in owner_client.get(f"/dashboard/posts/{draft.id}/").content


def test_members_screen_shows_seats_before_the_invite_form(tenant, owner_client):
    page = owner_client.get("/dashboard/members/").content.decode()
    assert "Free plan: 1 of 1 seat used (members and pending invitations)." in page
    assert "The plan allows no more" in page and 'href="/dashboard/billing/">upgrade<' in page
    assert page.index("1 of 1 seat used") < page.index('name="email"')
    plan_set(tenant, "pro")
    owner_client.post("/dashboard/members/", {"email": "new@example.org", "role": "author"})
    page = owner_client.get("/dashboard/members/").content.decode()
    assert "Pro plan: 2 of 5 seats used" in page and "Invitation sent to new@example.org." in page


def test_billing_is_in_the_owners_menu_only(tenant, owner_client, member_client):
    for path in (
        "/dashboard/",
        "/dashboard/members/",
        "/dashboard/settings/",
        "/dashboard/billing/",
    ):
        assert b'<a href="/dashboard/billing/"' in owner_client.get(path).content, path
    assert b"Free plan: 0 of 20 posts published" in owner_client.get("/dashboard/").content
    for role in ("editor", "author"):
        client, _ = member_client(role)
        page = client.get("/dashboard/").content
        assert b"/dashboard/billing/" not in page and b"plan" not in page, role
        assert client.get("/dashboard/billing/").status_code == 403


def test_a_blogs_plan_is_not_shown_to_members_of_another_blog(
    tenant, other_tenant, owner_client, password
):
    plan_set(other_tenant, "business")
    b_host = blog_host(other_tenant.subdomain)
    on_b = login(other_tenant, tenant.owner, password)  # A's owner, no member of B
    add_member(tenant, Membership.Role.AUTHOR)
    for path in ("/dashboard/", "/dashboard/members/", "/dashboard/posts/new/"):
        page = on_b.get(path)
        assert page.status_code == 403 and b"Business" not in page.content, path
        other = _same_cookies_on(owner_client, b_host).get(path)  # A's session on B's host
        assert other.status_code == 302 and b"Business" not in other.content, path
    assert on_b.get("/dashboard/billing/").status_code == 403
    # and A's own pages show A's plan, not B's
    assert b"Business" not in owner_client.get("/dashboard/members/").content
    assert b"Free plan" in owner_client.get("/dashboard/members/").content
