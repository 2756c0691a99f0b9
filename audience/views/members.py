"""Signing in as a member of a blog: ask for a link, follow it, sign out (audience.members).

The POSTs are exempt from CSRF for the reason the subscribe form is (cached pages carry no
token): asking for a link only mails the address typed, following it is authorised by the
signed link, and signing out can only be done to oneself.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from audience import members, services
from audience.tokens import LinkInvalid
from audience.views.reader import _context, _no_store
from shared.accounts.ratelimits import limit


@csrf_exempt
def signin(request: HttpRequest) -> HttpResponse:
    next_path = members.safe_next(request.POST.get("next") or request.GET.get("next", "/"))
    context = _context(request, next=next_path, member=members.member_from_request(request))
    if request.method != "POST":
        return _no_store(render(request, "audience/signin.html", context))
    raw = request.POST.get("email", "")
    try:
        email = services.email_normalise(raw)
    except ValidationError:
        context |= {"error": "Enter an email address like name@example.com.", "email": raw[:254]}
        return _no_store(render(request, "audience/signin.html", context, status=400))
    limited = limit(request, action="subscribe", key=email)
    if limited is not None:
        return limited
    members.member_signin_request(
        tenant=request.tenant, email=email, next_path=next_path,
        name=request.POST.get("name", ""),
    )  # fmt: skip
    return _no_store(render(request, "audience/signin_sent.html", context | {"email": email}))


@csrf_exempt
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links; only a person presses it); POST signs
    in and goes back to where the reader was."""
    if request.method != "POST":
        return _no_store(render(request, "audience/signin_link.html", _context(request)))
    try:
        member, next_path = members.member_signin_complete(tenant=request.tenant, token=token)
    except LinkInvalid as exc:
        context = _context(request, error=exc.message)
        return _no_store(render(request, "audience/signin_link.html", context, status=400))
    response = HttpResponseRedirect(next_path)
    members.member_cookie_set(response, tenant=request.tenant, member=member)
    return _no_store(response)


@csrf_exempt
def signout(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse("Sign out with the button on the sign-in page.", status=405)
    response = HttpResponseRedirect(members.safe_next(request.POST.get("next", "/")))
    members.member_cookie_clear(response)
    return _no_store(response)
