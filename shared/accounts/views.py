from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shared.accounts import selectors, services


def handoff(request: HttpRequest) -> HttpResponse:
    """Blog host: log in with the one-minute, single-use token made at signup."""
    user = services.handoff_redeem(token=request.GET.get("token", ""), tenant_id=request.tenant.id)
    if user is None:
        return render(request, "accounts/handoff_invalid.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("/dashboard/")


@login_required
def my_blogs(request: HttpRequest) -> HttpResponse:
    """Root domain: the blogs the logged-in person belongs to."""
    memberships = selectors.user_memberships(user=request.user)
    return render(request, "accounts/my_blogs.html", {"memberships": memberships})
