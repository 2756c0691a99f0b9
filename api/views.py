"""The dashboard's API page: a member's personal access tokens; the owner's Content API key."""

from datetime import datetime, time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from api import services
from api.models import ApiToken
from lib.errors import ApplicationError
from shared.accounts.permissions import Role, member_required, owner_required


@member_required
def api_page(request: HttpRequest) -> HttpResponse:
    """List and create tokens. A new token is shown once, on the page its POST renders."""
    new_token = None
    error = None
    if request.method == "POST":
        expires_at = None
        raw_date = request.POST.get("expires_on", "").strip()
        try:
            if raw_date:
                day = datetime.strptime(raw_date, "%Y-%m-%d").date()
                expires_at = timezone.make_aware(datetime.combine(day, time.max))
            _token, new_token = services.token_create(
                tenant_id=request.tenant.id,
                user=request.user,
                name=request.POST.get("name", ""),
                expires_at=expires_at,
            )
        except ValueError:
            error = "Give the expiry date as YYYY-MM-DD."
        except ApplicationError as exc:
            error = exc.message
    tokens = ApiToken.objects.all()
    if request.role != Role.OWNER:
        tokens = tokens.filter(user_id=request.user.id)
    context = {
        "tokens": tokens,
        "new_token": new_token,
        "error": error,
        "content": services.content_api_config() if request.role == Role.OWNER else None,
        "now": timezone.now(),
    }
    return render(request, "api/dashboard.html", context, status=400 if error else 200)


@require_POST
@member_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Members revoke their own tokens; owners anyone's."""
    tokens = ApiToken.objects.all()
    if request.role != Role.OWNER:
        tokens = tokens.filter(user_id=request.user.id)
    token = get_object_or_404(tokens, pk=pk)
    services.token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("api_dashboard")


@require_POST
@owner_required
def content_settings(request: HttpRequest) -> HttpResponse:
    if request.POST.get("rotate"):
        services.content_key_rotate()
        messages.success(request, "New Content API key made; the old one no longer works.")
    else:
        public = request.POST.get("public") == "on"
        services.content_api_public_set(public=public)
        messages.success(
            request, "The Content API is public." if public else "The Content API needs the key."
        )
    return redirect("api_dashboard")
