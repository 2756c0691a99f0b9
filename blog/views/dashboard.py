"""The writers' side of a blog: posts, pages, settings and tags. Roles are checked here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from blog import selectors, services
from blog.forms import PostForm, SettingsForm, TagMergeForm
from blog.models import Post
from blog.permissions import (
    can_edit_post,
    can_manage_tags,
    can_write_pages,
    member_required,
    owner_required,
)
from blog.rendering import markdown_render
from shared.billing.exceptions import LimitReached
from shared.errors import ApplicationError


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
    }


def _editor(request: HttpRequest, *, post: Post | None, kind: str) -> HttpResponse:
    """Shared by new and edit: preview, or save through the service, or show the errors."""
    if request.method != "POST":
        form = PostForm.for_post(post) if post else PostForm()
        return render(
            request, "blog/dashboard/edit.html", {"form": form, "post": post, "kind": kind}
        )
    form = PostForm(request.POST)
    if "autosave" in request.POST:
        return _autosave(form, post=post, tenant=request.tenant)
    preview, upgrade_url = None, None
    if form.is_valid():
        if "preview" in request.POST:
            preview = markdown_render(form.cleaned_data["body"])
        else:
            try:
                if post is None:
                    services.post_create(
                        tenant=request.tenant, author=request.user, kind=kind, **_post_fields(form)
                    )
                else:
                    services.post_update(tenant=request.tenant, post=post, **_post_fields(form))
                return redirect("dashboard")
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
    }
    return render(request, "blog/dashboard/edit.html", context)


def _autosave(form: PostForm, *, post: Post | None, tenant) -> HttpResponse:
    """Background save of a draft (the editor's script): never touches a live post."""
    if post is None or post.status != Post.Status.DRAFT:
        return HttpResponse("Only saved drafts are autosaved.", status=409)
    if not form.is_valid():
        return HttpResponse("Not saved: fix the form and save.", status=400)
    try:
        services.post_update(tenant=tenant, post=post, **(_post_fields(form) | {"action": "save"}))
    except (services.PostInvalid, LimitReached) as exc:
        return HttpResponse(str(exc), status=400)
    return HttpResponse(status=204)


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    author_id = request.user.id if request.role == "author" else None
    posts = selectors.posts_for_dashboard(author_id=author_id)
    return render(
        request,
        "blog/dashboard/index.html",
        {
            "posts": posts,
            "role": request.role,
            "can_write_pages": can_write_pages(role=request.role),
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
        services.post_delete(post=post)
        return redirect("dashboard")
    return render(request, "blog/dashboard/delete.html", {"post": post})


@owner_required
def blog_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.blog_settings_get()
    form = (
        SettingsForm(request.POST)
        if request.method == "POST"
        else SettingsForm.for_blog(settings=current, language=request.tenant.language)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.blog_settings_update(tenant=request.tenant, **form.cleaned_data)
            return redirect("blog_settings_saved")
        except services.SettingsInvalid as exc:
            form.add_error(None, str(exc))
    saved = request.resolver_match.url_name == "blog_settings_saved"
    return render(request, "blog/dashboard/settings.html", {"form": form, "saved": saved})


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
