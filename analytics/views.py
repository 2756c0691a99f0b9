"""Dashboard -> Analytics: the blog's own figures, for its owners and editors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from analytics import selectors
from analytics.charts import daily_chart_svg
from blog import selectors as blog_selectors
from shared.accounts.permissions import Role, member_required

Dimension = selectors.Dimension
DEVICE_LABELS = {"desktop": "Desktop", "mobile": "Phone", "tablet": "Tablet", "other": "Other"}


@member_required
def analytics_page(request: HttpRequest) -> HttpResponse:
    if request.role not in (Role.OWNER, Role.EDITOR):
        return render(
            request,
            "blog/dashboard/forbidden.html",
            {"message": "Only the blog's owners and editors see its analytics."},
            status=403,
        )
    days = int(request.GET.get("days", "30")) if request.GET.get("days") in ("7", "90") else 30
    figures = selectors.blog_figures(
        tenant_id=request.tenant.id, days=days, today=timezone.now().date()
    )
    top_posts = figures.top.get(Dimension.POST, [])
    posts = blog_selectors.posts_by_id(ids=[int(k) for k, _n in top_posts if k.isdecimal()])
    subscribers = selectors.subscribers_per_day(days=figures.days)
    engagement = selectors.engagement_per_day(days=figures.days)
    context = {
        "role": request.role,
        "days": days,
        "periods": selectors.PERIODS,
        "figures": figures,
        "chart": daily_chart_svg(
            title=f"Views and visitors per day, last {days} days",
            days=figures.days,
            bars=("Views", figures.views),
            line=("Visitors", figures.visitors),
        ),
        "top_posts": [(posts.get(int(k)) if k.isdecimal() else None, n) for k, n in top_posts],
        "referrers": figures.top.get(Dimension.REFERRER, []),
        "devices": [(DEVICE_LABELS.get(k, k), n) for k, n in figures.top.get(Dimension.DEVICE, [])],
        "countries": figures.top.get(Dimension.COUNTRY, []),
        "subscribers_chart": None
        if subscribers is None
        else daily_chart_svg(
            title=f"Subscribers, last {days} days",
            days=figures.days,
            bars=("Subscribers", subscribers),
            line=None,
        ),
        "engagement_chart": None
        if engagement is None
        else daily_chart_svg(
            title=f"Comments and likes per day, last {days} days",
            days=figures.days,
            bars=("Comments", engagement[0]),
            line=("Likes", engagement[1]),
        ),
    }
    return render(request, "analytics/dashboard.html", context)
