"""A blog's readers: subscribe, confirm, unsubscribe. No login, no session, no cookie.

These POSTs are exempt from CSRF: the subscribe form sits on cached pages (no per-visitor
token possible), and confirming or unsubscribing is authorised by the signed token in the URL,
not by anything the browser carries, so a forged request can do no more than the link's own
holder could. Double opt-in keeps a forged subscription from ever mailing anyone but the
confirmation.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from audience import services
from blog import selectors as blog_selectors
from shared.accounts.ratelimits import limit
from shared.billing.exceptions import LimitReached


def _context(request: HttpRequest, **extra) -> dict:
    settings = blog_selectors.blog_settings_get()
    return {
        "blog": settings,
        "blog_title": settings.title or request.tenant.name,
        "lang": blog_selectors.language_tag(language=request.tenant.language),
        **extra,
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def subscribe(request: HttpRequest) -> HttpResponse:
    """GET: the form alone. POST: the same answer whether the address is new, waiting,
    confirmed or bounced ("check your inbox"), so the form tells nobody who subscribes."""
    if request.method != "POST" or not blog_selectors.blog_settings_get().subscribe_form:
        status = 200 if blog_selectors.blog_settings_get().subscribe_form else 404
        return _no_store(
            render(request, "audience/subscribe.html", _context(request), status=status)
        )
    raw = request.POST.get("email", "")
    try:
        email = services.email_normalise(raw)
    except ValidationError:
        context = _context(
            request, error="Enter an email address like name@example.com.", email=raw[:254]
        )
        return _no_store(render(request, "audience/subscribe.html", context, status=400))
    limited = limit(request, action="subscribe", key=email)
    if limited is not None:
        return limited
    try:
        services.subscriber_subscribe(tenant=request.tenant, email=email)
    except LimitReached:
        context = _context(request, error="This blog is not taking new subscribers right now.")
        return _no_store(render(request, "audience/subscribe.html", context, status=403))
    return _no_store(
        render(request, "audience/subscribe_sent.html", _context(request, email=email))
    )


@csrf_exempt
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links; only a person presses it); POST confirms."""
    if request.method != "POST":
        return _no_store(render(request, "audience/confirm.html", _context(request)))
    try:
        services.subscriber_confirm(tenant=request.tenant, token=token)
    except services.LinkInvalid as exc:
        context = _context(request, error=exc.message)
        return _no_store(render(request, "audience/confirm.html", context, status=400))
    return _no_store(render(request, "audience/confirmed.html", _context(request)))


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (never unsubscribes: link scanners prefetch); POST unsubscribes,
    including the RFC 8058 one-click POST mail clients send (`List-Unsubscribe=One-Click`)."""
    if request.method != "POST":
        return _no_store(render(request, "audience/unsubscribe.html", _context(request)))
    try:
        services.subscriber_unsubscribe(tenant=request.tenant, token=token)
    except services.LinkInvalid as exc:
        context = _context(request, error=exc.message)
        return _no_store(render(request, "audience/unsubscribe.html", context, status=400))
    return _no_store(render(request, "audience/unsubscribed.html", _context(request)))
