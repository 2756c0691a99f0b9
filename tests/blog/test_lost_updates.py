"""Two editors, or two tabs, saving one post: no save silently replaces another.

Each save carries the version the editor was opened at; a save from an overtaken copy gets a
conflict page with both texts (and nothing is overwritten), a stale autosave is refused."""

from blog.models import Post
from tenants.context import tenant_context
from tests.blog.conftest import login, write
from tests.conftest import add_member
from tests.html import parse

FORM = {"title": "Plans", "slug": "", "excerpt": "", "tags": "", "meta_description": "",
        "canonical_url": "", "cover_image_url": "", "publish_at": ""}  # fmt: skip


def opened(client, post) -> dict:
    """The editor as a browser gets it: every field's value, the hidden version too."""
    page = parse(client.get(f"/dashboard/posts/{post.id}/").content)
    fields = {i.get("name"): i.get("value", "") for i in page.iter("input") if i.get("name")}
    fields["body"] = next(t.text or "" for t in page.iter("textarea") if t.get("name") == "body")
    assert fields["base_version"], "the editor carries the post's version"
    return {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}


def body_of(tenant, post) -> str:
    with tenant_context(tenant):
        return Post.objects.get(pk=post.pk).body


def test_the_second_of_two_saves_from_one_version_gets_the_conflict_page(
    tenant, owner_client, password
):
    post = write(tenant, "Plans", body="First paragraph.", action="save")
    editor = login(tenant, add_member(tenant, "editor"), password)
    mine, theirs = opened(owner_client, post), opened(editor, post)

    mine["body"] = "First paragraph.\n\nThe owner's new paragraph."
    assert owner_client.post(f"/dashboard/posts/{post.id}/", mine | {"save": ""}).status_code == 302

    theirs["body"] = "First paragraph.\n\nThe editor's new paragraph."
    response = editor.post(f"/dashboard/posts/{post.id}/", theirs | {"save": ""})
    assert response.status_code == 409
    page = parse(response.content)
    conflict = next(s for s in page.iter("section") if s.get("id") == "conflict")
    saved_text = "".join(conflict.itertext())
    assert "The owner's new paragraph." in saved_text  # the saved text, shown
    assert "+The editor's new paragraph." in saved_text  # and what differs
    form_body = next(t.text for t in page.iter("textarea") if t.get("name") == "body")
    assert "The editor's new paragraph." in form_body  # the writer's own text, kept
    assert body_of(tenant, post) == mine["body"]  # nothing overwritten

    # The editor merges and saves from the conflict page: based on the saved version now.
    merged = {i.get("name"): i.get("value", "") for i in page.iter("input") if i.get("name")}
    merged.pop("csrfmiddlewaretoken", None)
    merged["body"] = mine["body"] + "\n\nThe editor's new paragraph."
    assert editor.post(f"/dashboard/posts/{post.id}/", merged | {"save": ""}).status_code == 302
    assert body_of(tenant, post) == merged["body"]


def test_a_stale_tabs_autosave_is_refused_and_a_fresh_one_moves_the_tab_on(tenant, owner_client):
    post = write(tenant, "Plans", body="Start.", action="save")
    old_tab, new_tab = opened(owner_client, post), opened(owner_client, post)
    new_tab["body"] = "Saved in the new tab."
    assert (
        owner_client.post(f"/dashboard/posts/{post.id}/", new_tab | {"save": ""}).status_code == 302
    )

    old_tab["body"] = "Typed in the old tab."
    stale = owner_client.post(f"/dashboard/posts/{post.id}/", old_tab | {"autosave": "1"})
    assert stale.status_code == 409
    assert "Not autosaved" in stale.content.decode()
    assert body_of(tenant, post) == "Saved in the new tab."

    # A tab that is current autosaves, learns the new version, and its own save goes through.
    tab = opened(owner_client, post)
    tab["body"] = "Autosaved."
    saved = owner_client.post(f"/dashboard/posts/{post.id}/", tab | {"autosave": "1"})
    assert saved.status_code == 204 and saved["X-Post-Version"] != tab["base_version"]
    tab |= {"base_version": saved["X-Post-Version"], "body": "Saved after the autosave."}
    assert owner_client.post(f"/dashboard/posts/{post.id}/", tab | {"save": ""}).status_code == 302
    assert body_of(tenant, post) == "Saved after the autosave."


def test_pages_are_guarded_the_same_way(tenant, owner_client):
    page = write(tenant, "About", body="Who we are.", action="save", kind="page")
    first, second = opened(owner_client, page), opened(owner_client, page)
    first["body"] = "One."
    assert (
        owner_client.post(f"/dashboard/posts/{page.id}/", first | {"save": ""}).status_code == 302
    )
    second["body"] = "Two."
    assert (
        owner_client.post(f"/dashboard/posts/{page.id}/", second | {"save": ""}).status_code == 409
    )
    assert body_of(tenant, page) == "One."


def test_another_blogs_editor_cannot_reach_the_post(tenant, other_tenant, owner_client, password):
    post = write(tenant, "Plans", body="Mine.", action="save")
    fields = opened(owner_client, post) | {"body": "Theirs."}
    # Another blog's owner, on that blog and on this one: never a save, never the text.
    for client in (login(other_tenant, other_tenant.owner, password),
                   login(tenant, other_tenant.owner, password)):  # fmt: skip
        response = client.post(f"/dashboard/posts/{post.id}/", fields | {"save": ""})
        assert response.status_code in (403, 404)
        assert b"Mine." not in response.content
    assert body_of(tenant, post) == "Mine."


def settings_opened(client) -> dict:
    page = parse(client.get("/dashboard/settings/").content)
    fields = {i.get("name"): i.get("value", "") for i in page.iter("input") if i.get("name")}
    for area in page.iter("textarea"):
        fields[area.get("name")] = area.text or ""
    for select in page.iter("select"):
        chosen = [o for o in select.iter("option") if o.get("selected") is not None]
        fields[select.get("name")] = (chosen or list(select.iter("option")))[0].get("value")
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def test_settings_saved_from_two_pages_opened_at_once(tenant, owner_client):
    first, second = settings_opened(owner_client), settings_opened(owner_client)
    assert "base_version" in first
    assert owner_client.post("/dashboard/settings/", first | {"tagline": "One"}).status_code == 302
    response = owner_client.post("/dashboard/settings/", second | {"tagline": "Two"})
    assert response.status_code == 409
    text = response.content.decode()
    assert "saved elsewhere" in text and "tagline" in text
    with tenant_context(tenant):
        from blog.selectors import blog_settings_get

        assert blog_settings_get().tagline == "One"
    # Saving again from the conflict page keeps the owner's value, knowingly.
    again = {i.get("name"): i.get("value", "") for i in parse(response.content).iter("input")}
    assert again["base_version"] != second["base_version"]
    retry = second | {"tagline": "Two", "base_version": again["base_version"]}
    assert owner_client.post("/dashboard/settings/", retry).status_code == 302
    with tenant_context(tenant):
        assert blog_settings_get().tagline == "Two"
