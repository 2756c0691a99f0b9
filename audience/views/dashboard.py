"""The dashboard's Subscribers and Newsletters pages. Subscribers are personal data: owners only."""

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audience import newsletters as newsletter_services
from audience import selectors, services, subscriber_import
from audience.forms import AudienceSettingsForm, SubscriberImportForm
from blog import selectors as blog_selectors
from blog.models import Post
from blog.views.reader import page_number
from shared.accounts.permissions import member_required, owner_required
from shared.accounts.ratelimits import rate_limited
from shared.billing.exceptions import LimitReached

IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _subscribers_page(request: HttpRequest, **extra) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = selectors.subscribers_page(
        number=page_number(request.GET.get("page", "1")) or 1, query=query
    )
    current = blog_selectors.blog_settings_get()
    context = {
        "page": page,
        "query": query,
        "counts": selectors.subscriber_counts(),
        "import_form": SubscriberImportForm(),
        "settings_form": AudienceSettingsForm(initial={"subscribe_form": current.subscribe_form}),
        **extra,
    }
    return render(request, "audience/dashboard/subscribers.html", context)


@owner_required
def subscribers(request: HttpRequest) -> HttpResponse:
    return _subscribers_page(request)


@require_POST
@owner_required
def subscribers_import(request: HttpRequest) -> HttpResponse:
    form = SubscriberImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _subscribers_page(request, import_form=form)
    upload = form.cleaned_data["file"]
    if upload.size > IMPORT_MAX_BYTES:
        form.add_error(
            "file", f"The file is {upload.size / 1e6:.1f} MB: import at most 20 MB at once."
        )
        return _subscribers_page(request, import_form=form)
    try:
        report = subscriber_import.subscribers_import_csv(tenant=request.tenant, data=upload.read())
    except services.SubscriberInvalid as exc:
        form.add_error("file", exc.message)
        return _subscribers_page(request, import_form=form)
    except LimitReached as exc:
        return _subscribers_page(
            request, import_form=form, error=exc.message, upgrade_url=exc.upgrade_url
        )
    return _subscribers_page(request, report=report)


@owner_required
def subscribers_export(request: HttpRequest) -> HttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows():
        yield writer.writerow(["email", "status", "source", "created_at", "confirmed_at"])
        for s in selectors.subscribers_for_export().iterator(chunk_size=2000):
            yield writer.writerow([
                s.email, s.status, s.source, s.created_at.isoformat(),
                s.confirmed_at.isoformat() if s.confirmed_at else "",
            ])  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"{request.tenant.subdomain}-subscribers.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@owner_required
def subscriber_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if services.subscriber_remove(subscriber_id=pk):
        messages.success(request, "Subscriber removed.")
    return redirect("subscribers")


@require_POST
@owner_required
def subscribers_settings(request: HttpRequest) -> HttpResponse:
    form = AudienceSettingsForm(request.POST)
    form.is_valid()
    services.blog_audience_settings_set(
        subscribe_form=form.cleaned_data.get("subscribe_form", False)
    )
    messages.success(request, "Saved.")
    return redirect("subscribers")


@member_required
def newsletters(request: HttpRequest) -> HttpResponse:
    """Each send's progress; the page reloads itself while one is on its way."""
    sends = selectors.newsletters_with_progress()
    running = any(p.newsletter.status in ("queued", "sending") for p in sends)
    context = {"sends": sends, "running": running}
    return render(request, "audience/dashboard/newsletters.html", context)


@require_POST
@member_required
@rate_limited("newsletter_test")
def newsletter_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the saved post to the member asking, as subscribers will get it."""
    post = Post.objects.filter(id=pk, kind=Post.Kind.POST).first()
    if post is None:
        return redirect("dashboard")
    newsletter_services.newsletter_test_send(
        tenant=request.tenant, post=post, to=request.user.email
    )
    messages.success(request, f"Test email sent to {request.user.email}.")
    return redirect("post_edit", pk=pk)
