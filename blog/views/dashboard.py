"""The writers' side of a blog: posts, pages, settings and tags. Roles are checked here."""

import difflib
from datetime import UTC

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from blog import selectors, services
from blog.allowance import LIVE, PlanAllowances, plan_allowances_get
from blog.contrast import THEME_BACKGROUNDS, accent_problems
from blog.editor import editor_boxes_check, editor_boxes_context, editor_boxes_saved
from blog.forms import PostForm, PreviewForm, SettingsForm, TagMergeForm
from blog.models import Post
from blog.rendering import markdown_render, paywall_split
from lib.errors import ApplicationError
from shared.accounts.permissions import (
    Role,
    can_edit_post,
    can_manage_tags,
    can_write_pages,
    member_required,
    owner_required,
)
from shared.billing.exceptions import LimitReached


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "blog/dashboard/forbidden.html", {"message": message}, status=403)


def _action(data: dict) -> str:
    for action in ("publish", "schedule", "unpublish"):
        if action in data:
            return action
    return "save"


def _post_fields(form: PostForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "slug": data["slug"],
        "body": data["body"],
        "tags": data["tags"],
        "excerpt": data["excerpt"],
        "meta_description": data["meta_description"],
        "canonical_url": data["canonical_url"],
        "cover_image_url": data["cover_image_url"],
        "publish_at": data["publish_at"],
        "action": _action(form.data),
        "base_version": data.get("base_version") or None,
    } | (
        # Without the field (an old tab, a script) the post keeps the visibility it has.
        {"visibility": data["visibility"], "access_tiers": data.get("access_tiers") or []}
        if data.get("visibility")
        else {}
    )


def _conflict(request: HttpRequest, exc: services.PostConflict) -> tuple[PostForm, dict]:
    """The editor again, with the writer's own text in the form (now based on the saved
    version, so the next save goes through) and the saved text beside it, with the lines
    that differ."""
    current = exc.current
    data = request.POST.copy()
    data["base_version"] = services.post_version(current)
    form = PostForm(data)
    form.is_valid()
    mine = (data.get("body") or "").splitlines()
    diff = difflib.unified_diff(
        current.body.splitlines(), mine, "saved elsewhere", "yours", lineterm="", n=2
    )
    return form, {
        "conflict": {
            "message": exc.message,
            "title": current.title,
            "body": current.body,
            "diff": "\n".join(diff),
            "title_differs": current.title != data.get("title", ""),
        }
    }


def _saved_message(request: HttpRequest, post: Post, *, action: str, before: str | None) -> None:
    """What the writer sees on the list after a save: what happened, and a link to the post.
    `before` is the post's status before the save (None: a new post)."""
    view = format_html(' <a href="/{}/">View {}</a>', post.slug, post.kind)
    if post.is_published and before != Post.Status.PUBLISHED:
        messages.success(request, format_html("Published “{}”.{}", post.title, view))
    elif post.is_published:
        text = format_html("Saved “{}”: readers see it now.{}", post.title, view)
        messages.success(request, text)
    elif post.status == Post.Status.SCHEDULED:
        when = dateformat.format(post.published_at.astimezone(UTC), "j M Y H:i")
        messages.success(request, format_html("Scheduled “{}” for {} UTC.", post.title, when))
    elif action == "unpublish" and before in LIVE:
        messages.success(request, format_html("“{}” is a draft again.", post.title))
    else:
        messages.success(request, format_html("Saved draft “{}”.", post.title))


def _publish_note(request: HttpRequest, *, post: Post | None, kind: str) -> dict:
    """The plan's post allowance, for the editor to show before Publish is pressed: only when
    publishing this one would use the last post allowed, or is not allowed at all."""
    if kind != Post.Kind.POST or (post is not None and post.status in LIVE):
        return {}
    plan = plan_allowances_get(
        tenant_id=request.tenant.id, exclude_post_id=post.id if post else None
    )
    if plan.posts.unlimited or plan.posts.left > 1:
        return {}
    return {"plan": plan, "can_upgrade": request.role == Role.OWNER}


def _editor(request: HttpRequest, *, post: Post | None, kind: str) -> HttpResponse:
    """Shared by new and edit: preview, or save through the service, or show the errors."""
    if request.method != "POST":
        form = PostForm.for_post(post) if post else PostForm()
        context = {"form": form, "post": post, "kind": kind}
        context |= editor_boxes_context(request, post=post, kind=kind)
        return render(
            request,
            "blog/dashboard/edit.html",
            context | _publish_note(request, post=post, kind=kind),
        )
    form = PostForm(request.POST)
    if "autosave" in request.POST:
        return _autosave(form, post=post, tenant=request.tenant, user=request.user)
    preview, upgrade_url, conflict, status = None, None, {}, 200
    if form.is_valid():
        if "preview" in request.POST:
            preview = markdown_render(form.cleaned_data["body"])
        else:
            fields = _post_fields(form)
            before = post.status if post is not None else None
            action = fields["action"]
            try:
                editor_boxes_check(request, post=post, kind=kind, action=action)
                if post is None:
                    fields.pop("base_version")
                    saved = services.post_create_recorded(
                        tenant=request.tenant, author=request.user, kind=kind, **fields
                    )
                else:
                    saved = services.post_update_recorded(
                        tenant=request.tenant, post=post, by=request.user, **fields
                    )
                editor_boxes_saved(request, post=saved, kind=kind, action=action)
                _saved_message(request, saved, action=fields["action"], before=before)
                return redirect("dashboard")
            except services.PostConflict as exc:
                form, conflict = _conflict(request, exc)
                status = 409
            except services.PostInvalid as exc:
                form.add_error(None, str(exc))
            except LimitReached as exc:
                form.add_error(None, str(exc))
                upgrade_url = exc.upgrade_url
    context = {
        "form": form,
        "post": post,
        "kind": kind,
        "preview": preview,
        "upgrade_url": upgrade_url,
        **conflict,
    }
    context |= _publish_note(request, post=post, kind=kind)
    context |= editor_boxes_context(request, post=post, kind=kind)
    return render(request, "blog/dashboard/edit.html", context, status=status)


@require_POST
@member_required
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview: the body rendered exactly as publishing renders it
    (markdown-it, then nh3), as an HTML fragment, with a divider where the paywall marker
    line splits it. Any member may preview; nothing is saved."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    body = form.cleaned_data["body"]
    public, gated = paywall_split(body)
    html = markdown_render(public)
    if public != body:  # the marker line was found (only then is the body cut)
        html = format_html(
            '{}<p class="paywall-divider" role="separator"><strong>{}</strong></p>{}',
            mark_safe(html),  # noqa: S308 (rendered and sanitised above)
            "Paywall: readers without access stop here (when the post is not public)",
            mark_safe(markdown_render(gated)),  # noqa: S308 (as above)
        )
    context = {"title": form.cleaned_data["title"], "html": html}
    return render(request, "blog/dashboard/_preview.html", context)


def _autosave(form: PostForm, *, post: Post | None, tenant, user) -> HttpResponse:
    """Background save of a draft (the editor's script): never touches a live post."""
    if post is None or post.status != Post.Status.DRAFT:
        return HttpResponse("Only saved drafts are autosaved.", status=409)
    if not form.is_valid():
        return HttpResponse("Not saved: fix the form and save.", status=400)
    try:
        fields = _post_fields(form) | {"action": "save"}
        saved = services.post_update_recorded(
            tenant=tenant, post=post, by=user, autosave=True, **fields
        )
    except services.PostConflict as exc:
        # Never overwrite: the editor shows this and keeps the writer's text in the tab.
        return HttpResponse(
            f"Not autosaved. {exc.message}",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    except (services.PostInvalid, LimitReached) as exc:
        return HttpResponse(str(exc), status=400)
    response = HttpResponse(status=204)
    response["X-Post-Version"] = services.post_version(saved)  # the tab's next base
    return response


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    author_id = request.user.id if request.role == "author" else None
    posts = selectors.posts_for_dashboard(author_id=author_id)
    plan: PlanAllowances | None = None
    if request.role == Role.OWNER:
        plan = plan_allowances_get(tenant_id=request.tenant.id)
    return render(
        request,
        "blog/dashboard/index.html",
        {
            "posts": posts,
            "role": request.role,
            "can_write_pages": can_write_pages(role=request.role),
            "plan": plan,
        },
    )


@member_required
def post_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, post=None, kind=Post.Kind.POST)


@member_required
def page_new(request: HttpRequest) -> HttpResponse:
    if not can_write_pages(role=request.role):
        return _forbidden(request, "Only the blog's owner and editors write pages.")
    return _editor(request, post=None, kind=Post.Kind.PAGE)


@member_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not can_edit_post(role=request.role, user_id=request.user.id, post=post):
        return _forbidden(request, "You can only edit your own posts.")
    return _editor(request, post=post, kind=post.kind)


@member_required
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not can_edit_post(role=request.role, user_id=request.user.id, post=post):
        return _forbidden(request, "You can only delete your own posts.")
    if request.method == "POST":
        services.post_delete(tenant=request.tenant, post=post)
        return redirect("dashboard")
    return render(request, "blog/dashboard/delete.html", {"post": post})


@owner_required
def blog_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.blog_settings_get()
    name = request.tenant.name
    form = (
        SettingsForm(request.POST, blog_name=name)
        if request.method == "POST"
        else SettingsForm.for_blog(
            settings=current, language=request.tenant.language, blog_name=name
        )
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            if "base_version" not in request.POST:  # a client that sends no version
                fields["base_version"] = None
            saved = services.blog_settings_update(tenant=request.tenant, **fields)
            # Warn, don't refuse: the colour is often a brand's, and the writer decides; the
            # warning names each failing pair with its ratio so they can pick a better shade.
            for problem in accent_problems(accent=saved.accent, theme=saved.theme):
                messages.warning(request, f"Low contrast for the accent {saved.accent}: {problem}.")
            return redirect("blog_settings_saved")
        except services.SettingsConflict as exc:
            # Keep what the owner typed; the next save, from this page, is theirs to make.
            data = request.POST.copy()
            data["base_version"] = services.settings_version(selectors.blog_settings_get())
            form = SettingsForm(data, blog_name=name)
            form.is_valid()
            form.add_error(None, str(exc))
            status = 409
        except services.SettingsInvalid as exc:
            form.add_error(None, str(exc))
    saved = request.resolver_match.url_name == "blog_settings_saved"
    context = {"form": form, "saved": saved, "theme_backgrounds": THEME_BACKGROUNDS}
    return render(request, "blog/dashboard/settings.html", context, status=status)


@member_required
def tags(request: HttpRequest) -> HttpResponse:
    if not can_manage_tags(role=request.role):
        return _forbidden(request, "Only the blog's owner and editors rename tags.")
    form = TagMergeForm(request.POST or None)
    changed = None
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.tags_merge(
                tenant=request.tenant,
                sources=form.cleaned_data["sources"],
                target=form.cleaned_data["target"],
            )
            form = TagMergeForm()
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    context = {"form": form, "tags": selectors.tags_with_counts(), "changed": changed}
    return render(request, "blog/dashboard/tags.html", context)
