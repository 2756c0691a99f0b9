"""The post editor's "Email this post to subscribers" box (blog.editor's registry)."""

from django.http import HttpRequest

from audience import newsletters
from audience import selectors as audience_selectors
from blog import selectors as blog_selectors
from blog.editor import EditorBox
from blog.models import Post


def _context(request: HttpRequest, *, post: Post | None, kind: str) -> dict:
    """Ticked as the writer last left it on this blog, or the post's newsletter once there is
    one."""
    if kind != Post.Kind.POST:
        return {}
    newsletter = audience_selectors.newsletter_for_post(post_id=post.id) if post else None
    if request.method == "POST":
        checked = "email_subscribers" in request.POST
    else:
        checked = newsletter is not None or blog_selectors.blog_settings_get().email_posts
    return {"email_box": True, "email_checked": checked, "newsletter": newsletter}


def _wanted(request: HttpRequest, *, kind: str, action: str) -> bool:
    return kind == Post.Kind.POST and action != "unpublish" and "email_subscribers" in request.POST


def _check(request: HttpRequest, *, post: Post | None, kind: str, action: str) -> None:
    """A plan that can't send it refuses the whole save."""
    if _wanted(request, kind=kind, action=action):
        newsletters.newsletter_wanted_check(tenant=request.tenant, post=post)


def _saved(request: HttpRequest, *, post: Post, kind: str, action: str) -> None:
    if "email_box" in request.POST:
        newsletters.newsletter_for_post(
            tenant=request.tenant,
            post=post,
            by_id=request.user.id,
            wanted=_wanted(request, kind=kind, action=action),
        )


EMAIL_BOX = EditorBox(name="email", context=_context, check=_check, saved=_saved)
