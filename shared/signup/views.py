from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shared.accounts import services as account_services
from shared.signup import services
from shared.signup.forms import SignupForm
from tenants import selectors as tenant_selectors
from tenants.services import SubdomainTaken


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
