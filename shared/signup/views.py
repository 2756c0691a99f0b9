from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shared.billing.exceptions import LimitReached
from shared.signup import services
from shared.signup.forms import NewBlogForm
from tenants.services import SubdomainTaken


@login_required
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


from django.contrib.auth import login  # noqa: E402

from shared.accounts import services as account_services  # noqa: E402
from shared.signup.forms import SignupForm  # noqa: E402
from tenants import selectors as tenant_selectors  # noqa: E402


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, tenant = services.signup_create_blog(
                blog_name=data["blog_name"],
                subdomain=data["subdomain"],
                email=data["email"],
                password=data["password"],
            )
        except SubdomainTaken:
            form.add_error(
                "subdomain",
                f"'{data['subdomain']}' is already taken: please choose another subdomain.",
            )
        except services.EmailTaken:
            form.add_error("email", "An account with this email already exists: log in.")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            token = account_services.handoff_issue(user=user, tenant_id=tenant.id)
            url = tenant_selectors.tenant_url(
                tenant=tenant, request=request, path=f"/accounts/handoff/?token={token}"
            )
            return redirect(url)
    return render(request, "signup/signup.html", {"form": form})
