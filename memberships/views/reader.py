"""The readers' side of memberships, on every host of the blog: the tiers (join), the
member's own page (upgrade, billing, the private feed), the gated part of a post for those
with access, and offers' links.

Nothing here is kept by a shared cache: each answer is for one reader (`no-store`, and the
front cache passes /members/). The POSTs are exempt from Django's CSRF token, as the other
reader forms are (custom domains set no cookie but the member's), and guarded instead by the
browser's word (`same_site_request`) and the member cookie's SameSite=Lax: a form on another
site can't start a payment or reset a feed link.
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from audience.members import member_from_request, safe_next
from blog import selectors as blog_selectors
from blog.models import Post
from lib.errors import ApplicationError, NotAllowed
from lib.urls import same_site_request
from memberships import selectors, services
from memberships.access import paid_access, reader_may_read
from memberships.models import Offer, ReaderMembership, Tier
from tenants.selectors import tenant_reader_url


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _context(request: HttpRequest, **extra) -> dict:
    current = blog_selectors.blog_settings_get()
    return {
        "blog": current,
        "blog_title": current.title or request.tenant.name,
        "lang": blog_selectors.language_tag(language=request.tenant.language),
        **extra,
    }


def _next(raw: str) -> str:
    return safe_next(raw or "/")


def _cross_site(request: HttpRequest) -> HttpResponse | None:
    if same_site_request(request):
        return None
    exc = NotAllowed("This form was sent from another site: use the blog's own page.")
    return _fail(request, exc, "/members/account/")


def join(request: HttpRequest) -> HttpResponse:
    """The tiers, their prices and benefits; a button per tier and interval."""
    member = member_from_request(request)
    membership = ReaderMembership.objects.filter(subscriber=member).first() if member else None
    offer = None
    code = request.GET.get("offer", "")
    if code:
        offer = Offer.objects.filter(code=code[:40], active=True).select_related("tier").first()
    context = _context(
        request,
        member=member,
        membership=membership,
        settings=services.membership_settings_get(),
        tiers=selectors.tiers_for_sale(),
        selling=selectors.selling(tenant_id=request.tenant.id),
        offer=offer,
        next=_next(request.GET.get("next", "/")),
    )
    return _no_store(render(request, "memberships/join.html", context))


def offer(request: HttpRequest, code: str) -> HttpResponse:
    found = Offer.objects.filter(code=code[:40], active=True).exists()
    if not found:
        raise Http404("no such offer")
    return HttpResponseRedirect(f"/members/join/?offer={code}")


def account(request: HttpRequest) -> HttpResponse:
    member = member_from_request(request)
    if member is None:
        return HttpResponseRedirect("/members/signin/?next=/members/account/")
    membership = ReaderMembership.objects.filter(subscriber=member).select_related("tier").first()
    settings = services.membership_settings_get()
    now = timezone.now()
    context = _context(
        request,
        member=member,
        membership=membership,
        settings=settings,
        paid=paid_access(membership, now=now, grace_days=settings.grace_days),
        tiers=selectors.tiers_for_sale(),
        selling=selectors.selling(tenant_id=request.tenant.id),
        waiting="checkout" in request.GET,
        changing="changed" in request.GET,
        feed_url=(
            tenant_reader_url(
                tenant=request.tenant,
                request=request,
                path=f"/members/feed/{membership.feed_token}/",
            )
            if membership and membership.feed_token
            else ""
        ),  # fmt: skip
        error=request.GET.get("error", "")[:200],
    )
    return _no_store(render(request, "memberships/account.html", context))


def _fail(request: HttpRequest, exc: ApplicationError, back: str) -> HttpResponse:
    context = _context(request, error=exc.message, back=back)
    return _no_store(render(request, "memberships/problem.html", context, status=exc.status_code))


@csrf_exempt
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    """Start paying for a tier: off to Stripe Checkout. Access starts only when Stripe's
    webhook says the subscription is running, never on the way back."""
    if (refused := _cross_site(request)) is not None:
        return refused
    member = member_from_request(request)
    raw_tier = request.POST.get("tier", "")
    back = "/members/join/"
    if member is None:
        return HttpResponseRedirect("/members/signin/?next=/members/join/")
    tier = (
        Tier.objects.filter(id=int(raw_tier), active=True).first() if raw_tier.isdecimal() else None
    )
    if tier is None:
        return _fail(request, services.MembershipInvalid("Choose one of the tiers."), back)
    code = request.POST.get("offer", "")[:40]
    chosen = Offer.objects.filter(code=code, active=True).first() if code else None
    base = tenant_reader_url(tenant=request.tenant, request=request, path="")
    try:
        url = services.checkout_start(
            tenant=request.tenant,
            member=member,
            tier=tier,
            interval=request.POST.get("interval", ""),
            success_url=f"{base}/members/account/?checkout={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{base}/members/join/",
            offer=chosen,
        )
    except ApplicationError as exc:
        return _fail(request, exc, back)
    return HttpResponseRedirect(url, status=303)


@csrf_exempt
@require_POST
def change(request: HttpRequest) -> HttpResponse:
    """Move a running paid membership to another tier or interval (Stripe prorates)."""
    if (refused := _cross_site(request)) is not None:
        return refused
    member = member_from_request(request)
    if member is None:
        return HttpResponseRedirect("/members/signin/?next=/members/account/")
    raw_tier = request.POST.get("tier", "")
    tier = (
        Tier.objects.filter(id=int(raw_tier), active=True).first() if raw_tier.isdecimal() else None
    )
    back = "/members/account/"
    if tier is None:
        return _fail(request, services.MembershipInvalid("Choose one of the tiers."), back)
    try:
        services.tier_change(
            tenant=request.tenant,
            member=member,
            tier=tier,
            interval=request.POST.get("interval", ""),
        )
    except ApplicationError as exc:
        return _fail(request, exc, back)
    return HttpResponseRedirect("/members/account/?changed=1", status=303)


@csrf_exempt
@require_POST
def billing(request: HttpRequest) -> HttpResponse:
    """Card, cancellation, invoices: Stripe's Billing Portal."""
    if (refused := _cross_site(request)) is not None:
        return refused
    member = member_from_request(request)
    if member is None:
        return HttpResponseRedirect("/members/signin/?next=/members/account/")
    base = tenant_reader_url(tenant=request.tenant, request=request, path="")
    try:
        url = services.portal_start(
            tenant=request.tenant, member=member, return_url=f"{base}/members/account/"
        )
    except ApplicationError as exc:
        return _fail(request, exc, "/members/account/")
    return HttpResponseRedirect(url, status=303)


@csrf_exempt
@require_POST
def feed_link(request: HttpRequest) -> HttpResponse:
    """Make (or make anew) or revoke the member's private feed link."""
    if (refused := _cross_site(request)) is not None:
        return refused
    member = member_from_request(request)
    if member is None:
        return HttpResponseRedirect("/members/signin/?next=/members/account/")
    membership = services.membership_for(subscriber=member)
    if request.POST.get("action") == "revoke":
        services.feed_token_revoke(membership=membership)
    else:
        services.feed_token_reset(membership=membership)
    return HttpResponseRedirect("/members/account/", status=303)


@require_GET
def gated(request: HttpRequest, post_id: int) -> HttpResponse:
    """The rest of a gated post for a reader with access (JSON: {"access", "html"}), asked
    by the post page's script. The page itself is one cached page for everyone."""
    post = (
        Post.objects.filter(id=post_id, status=Post.Status.PUBLISHED)
        .only("id", "visibility", "access_tiers", "gated_html")
        .first()
    )
    if post is None:
        raise Http404("no such post")
    member = member_from_request(request)
    allowed = reader_may_read(post, member=member, now=timezone.now())
    answer = {"access": allowed, "signed_in": member is not None}
    if allowed:
        answer["html"] = post.gated_html
    response = JsonResponse(answer)
    response["Vary"] = "Cookie"
    return _no_store(response)
