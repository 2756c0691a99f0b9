from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lib.urls import blog_url, platform_url
from shared.accounts import selectors, services
from shared.accounts.timezones import time_zone_names


def handoff(request: HttpRequest) -> HttpResponse:
    """Blog host: log in with the one-minute, single-use token made on the root domain (at
    signup, or by "My blogs" -> Dashboard)."""
    user = services.handoff_redeem(token=request.GET.get("token", ""), tenant_id=request.tenant.id)
    if user is None:
        return render(request, "accounts/handoff_invalid.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("/dashboard/")


def signup_on_root(request: HttpRequest) -> HttpResponse:
    """Blog host: signing up happens on the root domain (one account for every blog)."""
    return redirect(platform_url(request=request, path="/accounts/signup/"))


@login_required
def my_blogs(request: HttpRequest) -> HttpResponse:
    """Root domain: the blogs the logged-in person belongs to."""
    memberships = selectors.user_memberships(user=request.user)
    return render(request, "accounts/my_blogs.html", {"memberships": memberships})


@login_required
def blog_open(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Root domain: hand the logged-in member over to the blog's dashboard (no second login).

    Also where a blog's "Log in with your Quire account" link points: logged out, the root
    login page comes first and sends the person back here."""
    membership = selectors.membership_by_subdomain(user=request.user, subdomain=subdomain)
    if membership is None:
        raise Http404("not a member of this blog")
    token = services.handoff_issue(user=request.user, tenant_id=membership.tenant_id)
    return redirect(
        blog_url(
            subdomain=membership.tenant.subdomain,
            request=request,
            path=f"/accounts/handoff/?token={token}",
        )
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Blog host: accept an invitation. Logged in as the invited address: join at once. No
    account yet: choose a password here. An account but logged out: log in first."""
    invitation = services.invitation_from_token(token=token, tenant_id=request.tenant.id)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=400)
    context = {"invitation": invitation, "error": None}
    if request.user.is_authenticated:
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except services.InvitationInvalid as exc:
            return render(request, "accounts/invitation.html", context | {"error": exc}, status=403)
        return redirect("/dashboard/")
    if selectors.user_exists(email=invitation.email):
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        try:
            user = services.invitation_accept_new_user(
                invitation=invitation, password=request.POST.get("password", "")
            )
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        except services.InvitationInvalid as exc:
            context["error"] = str(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("/dashboard/")
    return render(request, "accounts/invitation.html", context)


@login_required
def time_zone(request: HttpRequest) -> HttpResponse:
    """Any host: the member's time zone. The browser's script posts it once (204); the page
    lets the person choose another."""
    error = None
    if request.method == "POST":
        try:
            services.user_time_zone_set(
                user=request.user, time_zone=request.POST.get("time_zone", "")
            )
        except ValueError as exc:
            error = str(exc)
        else:
            if request.headers.get("X-Requested-With") == "quire-time-zone":
                return HttpResponse(status=204)
            messages.success(request, f"Times are now shown in {request.user.time_zone}.")
            return redirect("account_time_zone")
    context = {"zones": time_zone_names(), "error": error}
    return render(request, "accounts/time_zone.html", context, status=400 if error else 200)
