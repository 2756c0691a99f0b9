"""Dashboard → Memberships (owners only): the Stripe account, tiers, settings, the figures
and weekly chart, the member list (filters and CSV), comped members and offers."""

import csv
import secrets
from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from analytics.charts import daily_chart_svg
from audience.services import email_normalise
from lib.errors import ApplicationError
from memberships import member_import, offers, selectors, services
from memberships.models import MAX_PAID_TIERS, Offer, ReaderMembership, Tier
from shared.accounts.permissions import owner_required
from shared.billing.models import ReconcileRun

NONCE = "memberships_connect_nonce"
BASE = "/dashboard/memberships/"


def _money(amount: int) -> str:
    return f"{amount / 100:,.2f}"


@owner_required
def overview(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    figures = selectors.figures()
    weeks = selectors.weekly_changes()
    chart = daily_chart_svg(
        title="Members per week",
        days=[w for w, _new, _gone in weeks],
        bars=("New paying or trial", [new for _w, new, _gone in weeks]),
        line=("Ended", [gone for _w, _new, gone in weeks]),
    )
    context = {
        "account": services.connected_account(tenant_id=tenant.id),
        "connect_ready": services.stripe_api.connect_configured(),
        "fee": services.member_fee_percent(tenant_id=tenant.id),
        "plan": services.subscription_get_or_create(tenant_id=tenant.id).plan,
        "settings": services.membership_settings_get(),
        "tiers": list(Tier.objects.all()),
        "max_tiers": MAX_PAID_TIERS,
        "figures": figures,
        "mrr": _money(figures.mrr),
        "chart": chart,
        "offers": list(Offer.objects.select_related("tier")),
        "last_reconcile": ReconcileRun.objects.filter(tenant_id=tenant.id).first(),
    }
    return render(request, "memberships/dashboard/overview.html", context)


@owner_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """Off to Stripe to link an account; the state is bound to this session by a nonce."""
    try:
        url, nonce = services.connect_authorize_url(
            tenant=request.tenant, user_id=request.user.id, email=request.user.email
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(BASE)
    request.session[NONCE] = nonce
    return HttpResponseRedirect(url)


@owner_required
def connect_done(request: HttpRequest) -> HttpResponse:
    """Where the platform's return address sends the owner back, with Stripe's answer."""
    if request.GET.get("error"):
        messages.error(
            request,
            "Stripe was not connected: " + request.GET.get("error_description", "")[:200],
        )
        return redirect(BASE)
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    nonce = request.session.pop(NONCE, None)
    try:
        theirs = services.connect_state_read(state).get("n", "")
        if not nonce or not secrets.compare_digest(str(nonce), theirs):
            raise services.MembershipInvalid(
                "This Stripe answer was not for this browser: connect again from here."
            )
        services.connect_complete(state=state, code=code, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(BASE)
    for tier in Tier.objects.filter(active=True):
        try:
            services.tier_prices_sync(
                tier=tier,
                account_id=services.connected_account(tenant_id=request.tenant.id).account_id,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            break
    messages.success(request, "Stripe is connected: readers can pay you now.")
    return redirect(BASE)


@owner_required
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    services.connect_disconnect(tenant_id=request.tenant.id)
    messages.success(
        request,
        "Stripe is disconnected: no new sales. Existing subscriptions keep running on Stripe "
        "until you cancel them there.",
    )
    return redirect(BASE)


def _int(raw: str, default: int = 0) -> int:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() else default


@owner_required
def tier_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    tier = get_object_or_404(Tier, pk=pk) if pk is not None else None
    form = {
        "name": tier.name if tier else "",
        "description": tier.description if tier else "",
        "monthly": _money(tier.monthly_amount).replace(",", "") if tier else "",
        "yearly": _money(tier.yearly_amount).replace(",", "") if tier else "",
        "benefits": "\n".join(tier.benefits) if tier else "",
        "trial_days": tier.trial_days if tier else 0,
        "active": tier.active if tier else True,
    }
    error = ""
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "monthly": request.POST.get("monthly", ""),
            "yearly": request.POST.get("yearly", ""),
            "benefits": request.POST.get("benefits", ""),
            "trial_days": request.POST.get("trial_days", "0"),
            "active": request.POST.get("active") == "on",
        }
        trial = str(form["trial_days"]).strip() or "0"
        try:
            if not trial.isdecimal():
                raise services.MembershipInvalid("A free trial is a number of days.")
            services.tier_save(
                tier=tier,
                name=form["name"],
                description=form["description"],
                monthly=form["monthly"],
                yearly=form["yearly"],
                benefits=form["benefits"].splitlines(),
                trial_days=int(trial),
                active=form["active"],
                tenant_id=request.tenant.id,
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, "Tier saved. Members already paying keep their price.")
            return redirect(BASE)
    context = {"tier": tier, "form": form, "error": error,
               "currency": services.membership_settings_get().currency}  # fmt: skip
    status = 400 if error else 200
    return render(request, "memberships/dashboard/tier.html", context, status=status)


@owner_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    raw_grace = request.POST.get("grace_days", "").strip()
    try:
        if not raw_grace.isdecimal():
            raise services.MembershipInvalid("The grace period is a number of days.")
        services.membership_settings_set(
            currency=request.POST.get("currency", ""),
            grace_days=int(raw_grace),
            stripe_tax=request.POST.get("stripe_tax") == "on",
            free_name=request.POST.get("free_name", ""),
            free_benefits=request.POST.get("free_benefits", "").splitlines(),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Settings saved.")
    return redirect(BASE)


@owner_required
def members(request: HttpRequest) -> HttpResponse:
    tier, status, source = (request.GET.get(k, "") for k in ("tier", "status", "source"))
    rows = selectors.member_list(tier=tier, status=status, source=source)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="members.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["email", "name", "tier", "status", "source", "interval", "amount", "currency",
             "current_period_end", "cancel_at_period_end", "stripe_customer_id",
             "stripe_subscription_id", "created_at"]
        )  # fmt: skip
        for m in rows.iterator(chunk_size=500):
            writer.writerow(
                [_cell(m.subscriber.email), _cell(m.subscriber.name),
                 _cell(m.tier.name if m.tier_id else ""), m.status, m.source, m.interval,
                 m.amount, m.currency,
                 m.current_period_end.isoformat() if m.current_period_end else "",
                 m.cancel_at_period_end, m.stripe_customer_id, m.stripe_subscription_id,
                 m.created_at.isoformat()]
            )  # fmt: skip
        return response
    context = {
        "rows": rows[:200],
        "tiers": list(Tier.objects.all()),
        "statuses": ReaderMembership.Status.choices,
        "sources": ReaderMembership.Source.choices,
        "chosen": {"tier": tier, "status": status, "source": source},
        "query": request.GET.urlencode(),
    }
    return render(request, "memberships/dashboard/members.html", context)


def _cell(text: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: not from our data."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@owner_required
def members_import(request: HttpRequest) -> HttpResponse:
    """Members from a Ghost or Substack export: the upload (POST), then the job's report."""
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            if upload is None:
                raise member_import.MemberImportInvalid("Choose the CSV file to import.")
            member_import.member_import_start(
                tenant=request.tenant, upload=upload, tier_id=_int(request.POST.get("tier", ""))
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The import has started: this page shows its report.")
        return redirect(f"{BASE}members/import/")
    context = {
        "job": member_import.member_import_latest(tenant=request.tenant),
        "tiers": list(Tier.objects.all()),
        "max_mb": member_import.MAX_BYTES // 2**20,
        "max_rows": member_import.MAX_ROWS,
    }
    return render(request, "memberships/dashboard/members_import.html", context)


@owner_required
@require_POST
def comp(request: HttpRequest) -> HttpResponse:
    raw_until = request.POST.get("until", "").strip()
    try:
        email = email_normalise(request.POST.get("email", ""))
    except ValidationError:
        messages.error(request, "Enter the member's email address, like name@example.com.")
        return redirect(BASE)
    tier = Tier.objects.filter(id=_int(request.POST.get("tier", ""))).first()
    try:
        if tier is None:
            raise services.MembershipInvalid("Choose a tier to give.")
        until = None
        if raw_until:
            try:
                day = datetime.strptime(raw_until, "%Y-%m-%d").date()
            except ValueError:
                raise services.MembershipInvalid("Give the end date as YYYY-MM-DD.") from None
            until = timezone.make_aware(datetime.combine(day, time.max))
        services.comp_give(tenant_id=request.tenant.id, email=email, tier=tier, until=until)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{email} now has {tier.name}.")
    return redirect(BASE)


@owner_required
@require_POST
def comp_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(ReaderMembership, pk=pk)
    try:
        services.comp_end(tenant_id=request.tenant.id, membership=membership)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(f"{BASE}members/")


@owner_required
@require_POST
def offer_new(request: HttpRequest) -> HttpResponse:
    try:
        made = offers.offer_create(
            tenant_id=request.tenant.id,
            tier_id=_int(request.POST.get("tier", "")),
            code=request.POST.get("code", ""),
            name=request.POST.get("name", ""),
            percent_off=request.POST.get("percent_off", ""),
            duration=request.POST.get("duration", "once"),
            months=request.POST.get("months", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Offer {made.code} made: share /members/offer/{made.code}/.")
    return redirect(BASE)
