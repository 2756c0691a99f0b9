from allauth.account import app_settings as allauth_settings
from allauth.account import views as allauth_views
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import perform_login
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.models import Login
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shared.accounts import services as account_services
from shared.accounts.ratelimits import rate_limited
from shared.billing.exceptions import LimitReached
from signup import accounts, services
from signup.forms import NewBlogForm
from tenants.services import SubdomainTaken

_MANDATORY = allauth_settings.EmailVerificationMethod.MANDATORY


class SignupView(allauth_views.SignupView):
    """allauth's signup view (its rate limit and `user_signed_up` signal apply) that also
    makes the first blog, and always answers "check your inbox":

    - a new address: account and blog are made in one transaction, and the verification
      mail carries the blog's link; opening it (in this browser) logs in and opens the blog;
    - an address that has an account already: nothing is made; allauth mails that address
      to say so. The page shown is the same, so signup never tells who has an account.

    Logging in before confirming works (verification is "optional" for login): the owner
    can write but not publish or invite until the address is confirmed."""

    def form_valid(self, form) -> HttpResponse:
        if form.account_already_exists:
            email = form.cleaned_data["email"]
            fake = Login(user=None, email=email, signup=True, email_verification=_MANDATORY)
            return perform_login(self.request, fake)
        try:
            with transaction.atomic():
                self.user = form.save(self.request)
        except SubdomainTaken:
            sub = form.cleaned_data["subdomain"]
            form.add_error("subdomain", f"'{sub}' is already taken: please choose another.")
            return self.form_invalid(form)
        return complete_signup(self.request, user=self.user, email_verification=_MANDATORY)


def signup_moved(request: HttpRequest) -> HttpResponse:
    """The old /signup/ address."""
    return redirect("account_signup", permanent=False)


@login_required
@rate_limited("blog_create")
def blog_new(request: HttpRequest) -> HttpResponse:
    """Root domain, My blogs -> New blog: name and subdomain; then straight to its dashboard."""
    form = NewBlogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant = services.blog_create(
                owner=request.user, name=data["blog_name"], subdomain=data["subdomain"]
            )
        except SubdomainTaken:
            form.add_error(
                "subdomain",
                f"'{data['subdomain']}' is already taken: please choose another subdomain.",
            )
        except LimitReached as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("blog_open", subdomain=tenant.subdomain)
    return render(request, "signup/blog_new.html", {"form": form})


@login_required
@reauthentication_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Root domain: delete my account, saying first what happens to each of my blogs."""
    error = None
    if request.method == "POST" and request.POST.get("confirm") == "delete":
        try:
            accounts.user_delete(user=request.user)
        except accounts.AccountDeletionRefused as exc:
            error = str(exc)
        else:
            logout(request)
            messages.success(request, "Your account was deleted.")
            return redirect("/")
    plan = account_services.user_delete_plan(user=request.user)
    return render(
        request,
        "accounts/account_delete.html",
        {"plan": plan, "error": error},
        status=409 if error else 200,
    )
