"""Who may do what on a blog's dashboard, by membership role. Enforced on the server, in every
dashboard view of every app."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shared.accounts import selectors as account_selectors
from shared.accounts.models import Membership

Role = Membership.Role


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and a member of this blog; sets `request.role`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = account_selectors.membership_role(user=request.user, tenant_id=request.tenant.id)
        if role is None:
            return render(request, "blog/dashboard/not_member.html", status=403)
        request.role = role
        return view(request, *args, **kwargs)

    return wrapper


def can_edit_post(*, role: str, user_id: int, post) -> bool:  # noqa: ANN001 (a blog Post)
    if role in (Role.OWNER, Role.EDITOR):
        return True
    return role == Role.AUTHOR and post.author_id == user_id


def can_write_pages(*, role: str) -> bool:
    """Static pages belong to the whole blog: owners and editors."""
    return role in (Role.OWNER, Role.EDITOR)


def can_manage_tags(*, role: str) -> bool:
    """Renaming a tag changes every post, not just one author's."""
    return role in (Role.OWNER, Role.EDITOR)


def owner_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Member and owner: the blog's settings and members."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.role != Role.OWNER:
            return render(request, "blog/dashboard/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
