"""The dashboard in a real Chromium: every page fits a 360 px phone with its whole menu
reachable, and the editor previews Markdown as the writer types (beside the form on a
laptop, behind a tab on a phone)."""

import re

import pytest

from blog.models import Post
from shared.accounts.models import Membership
from shared.accounts.services import invitation_create
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import add_member, plan_set
from tests.factories import UserFactory
from tests.support.browser import LAPTOP, PHONE, blog_base, log_in, shots_dir

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MENU = [
    "View blog", "Posts", "API", "Media", "Comments", "Newsletters", "Tags", "Import", "Analytics",
    "Settings",
    "Subscribers", "Members", "Domain",
    "Export", "Billing",
]  # fmt: skip


@pytest.fixture
def busy_blog(make_blog):
    """A blog with what makes pages wide: long titles and tags, a long address, an invitation."""
    owner = UserFactory(email="owner.with.a.rather.long.address@example.org")
    tenant = make_blog("alpha", owner=owner, name="A blog with a fairly long name")
    plan_set(tenant, "pro")  # room for a second member and an invitation
    add_member(
        tenant, Membership.Role.EDITOR, UserFactory(email="an.editor.of.this.blog@example.org")
    )
    invitation_create(
        tenant_id=tenant.id,
        blog_name=tenant.name,
        invited_by=owner,
        url_base="http://alpha.localhost",
        email="someone.invited.with.a.long.name@example.org",
        role=Membership.Role.AUTHOR,
    )
    long_title = "Supercalifragilisticexpialidocious-and-other-unbreakable-words-in-a-title"
    post = write(
        tenant,
        long_title,
        tags="averyveryverylongtagwithoutanyspacesatall, web",
        body="| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |",
    )
    write(tenant, "A draft", action="save")
    return tenant, post


def _dashboard_pages(post: Post) -> list[str]:
    return [
        "/dashboard/",
        "/dashboard/posts/new/",
        "/dashboard/pages/new/",
        f"/dashboard/posts/{post.id}/",
        f"/dashboard/posts/{post.id}/delete/",
        "/dashboard/tags/",
        "/dashboard/settings/",
        "/dashboard/members/",
        "/dashboard/billing/",
        "/dashboard/api/",
        "/dashboard/media/",
        f"/dashboard/posts/{post.id}/history/",
        "/dashboard/import/",
        "/dashboard/export/",
        "/dashboard/subscribers/",
        "/dashboard/newsletters/",
        "/dashboard/analytics/",
    ]


def test_every_dashboard_page_fits_a_360_px_phone(live_server, browser, busy_blog, tmp_path):
    tenant, post = busy_blog
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    checked = []
    for path in _dashboard_pages(post):
        response = page.goto(base + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
        # Every link and button of the menu is on screen, none cut off at either side.
        items = page.locator("header.site nav a, header.site nav button")
        assert items.count() >= 2, path
        for i in range(items.count()):
            item = items.nth(i)
            assert item.is_visible(), (path, item.inner_text())
            box = item.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
                path,
                item.inner_text(),
                box,
            )
        checked.append(path)
    assert len(checked) == 17

    # The owner's full menu (on a dashboard page, not billing's own header).
    page.goto(base + "/dashboard/members/")
    for label in MENU:
        link = page.locator("header.site nav a", has_text=re.compile(f"^{label}$"))
        assert link.is_visible(), label
    page.locator("header.site nav a", has_text="Billing").click()
    page.wait_for_url(re.compile(r".*/dashboard/billing/$"))

    shots = shots_dir(tmp_path)
    page.goto(base + "/dashboard/members/")
    page.screenshot(path=str(shots / "dashboard-members-360.png"), full_page=True)
    page.goto(base + "/dashboard/")
    page.screenshot(path=str(shots / "dashboard-360.png"), full_page=True)
    page.goto(base + "/dashboard/billing/")
    page.screenshot(path=str(shots / "billing-360.png"), full_page=True)
    page.goto(base + "/dashboard/settings/")
    page.screenshot(path=str(shots / "settings-360.png"), full_page=True)
    context.close()


def test_an_authors_dashboard_fits_a_phone_with_their_smaller_menu(live_server, browser, busy_blog):
    tenant, post = busy_blog
    author = add_member(tenant, Membership.Role.AUTHOR)
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, author.email)
    for path, status in [
        ("/dashboard/", 200),
        ("/dashboard/posts/new/", 200),
        (f"/dashboard/posts/{post.id}/", 403),  # the owner's post: the "not allowed" page
        ("/dashboard/settings/", 403),
    ]:
        assert page.goto(base + path).status == status, path
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        labels = page.locator("header.site nav a").all_inner_texts()
        assert labels == ["View blog", "Posts", "API", "Media", "Comments"], (path, labels)
    context.close()


def test_editor_previews_as_the_writer_types_beside_the_form_on_a_laptop(
    live_server, browser, busy_blog, tmp_path
):
    tenant, _ = busy_blog
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    page.goto(base + "/dashboard/posts/new/")
    assert not page.locator(".editor-tabs").is_visible()  # no tabs: both columns show

    page.fill("input[name=title]", "Live words")
    page.locator("textarea[name=body]").press_sequentially("Some *emphasis* and `code`.")
    page.wait_for_selector("#preview-body em")
    assert page.locator("#preview-body em").inner_text() == "emphasis"
    assert page.locator("#preview-body h1").inner_text() == "Live words"
    page.locator("textarea[name=body]").press_sequentially("\n\n<script>alert(1)</script>")
    page.wait_for_function("document.querySelector('#preview-body').textContent.includes('alert')")
    assert page.locator("#preview-body script").count() == 0  # shown as text, never run

    # Two columns: the preview sits to the right of the form, tops roughly level.
    form = page.locator("#editor-write").bounding_box()
    preview = page.locator("#editor-preview").bounding_box()
    assert preview["x"] >= form["x"] + form["width"], (form, preview)
    assert abs(preview["y"] - form["y"]) < 50
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    assert page.url == base + "/dashboard/posts/new/"  # nothing was submitted
    with tenant_context(tenant):
        assert not Post.objects.filter(title="Live words").exists()
    page.screenshot(path=str(shots_dir(tmp_path) / "editor-1280.png"))
    page.goto(base + "/dashboard/members/")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    page.screenshot(path=str(shots_dir(tmp_path) / "members-1280.png"), full_page=True)
    context.close()


def test_editor_on_a_phone_switches_between_write_and_preview_tabs(
    live_server, browser, busy_blog, tmp_path
):
    tenant, _ = busy_blog
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    page.goto(base + "/dashboard/posts/new/")
    assert page.locator("#tab-write").is_visible() and page.locator("#tab-preview").is_visible()
    assert not page.locator("#editor-preview").is_visible()
    page.fill("input[name=title]", "On the bus")
    page.fill("textarea[name=body]", "## A heading\n\n- one\n- two")
    page.click("#tab-preview")
    page.wait_for_selector("#preview-body h2")
    assert page.locator("#preview-body h2").inner_text() == "A heading"
    assert page.locator("#preview-body li").count() == 2
    assert not page.locator("textarea[name=body]").is_visible()
    assert page.get_attribute("#tab-preview", "aria-selected") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots_dir(tmp_path) / "editor-preview-360.png"), full_page=True)
    page.click("#tab-write")
    assert page.locator("textarea[name=body]").is_visible()
    assert page.locator("textarea[name=body]").input_value() == "## A heading\n\n- one\n- two"
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    assert page.locator(".messages", has_text="Published “On the bus”").is_visible()
    context.close()


def test_settings_show_the_accent_contrast_while_picking_and_warn_on_save(
    live_server, browser, busy_blog
):
    tenant, _ = busy_blog
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    page.goto(base + "/dashboard/settings/")
    assert page.input_value("input[name=title]") == "A blog with a fairly long name"
    hint = page.locator("#accent-check")
    assert hint.inner_text() == (
        "Links on the light theme: 5.74:1 (passes AA). White text on buttons: 5.74:1 (passes AA)."
    )
    page.fill("input[name=accent]", "#777777")
    assert "Links on the light theme: 4.48:1 (below AA 4.5:1)" in hint.inner_text()
    page.select_option("select[name=theme]", "dark")
    assert "Links on the dark theme: 4.00:1 (below AA 4.5:1)" in hint.inner_text()
    page.click("#settings-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard/settings/saved/$"))
    warning = page.locator(".messages .warning")
    assert warning.count() == 2
    assert "links on the dark theme's background: 4.00:1" in warning.first.inner_text()
    assert page.input_value("input[name=accent]") == "#777777"  # saved all the same
    context.close()
