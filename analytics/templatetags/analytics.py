"""`{% analytics_beacon %}`: the cookieless beacon of a reader page, when a shared cache is in
front (`QUIRE_ANALYTICS_BEACON`). Only on pages worth counting: a post or page (`post` in the
context), a list (`page`: home and tags) or the archive (`months`); not on 404s, the dashboard
or for logged-in members (whose pages are never cached, and who are not counted)."""

from django import template
from django.conf import settings
from django.utils.html import format_html

from analytics import beacon
from analytics.middleware import BEACON_PATH

register = template.Library()

_SCRIPT = (
    '<script>(function(){{var n=navigator;if(n.sendBeacon){{n.sendBeacon("{}",'
    'JSON.stringify({{v:"{}",r:document.referrer}}))}}}})()</script>'
)


@register.simple_tag(takes_context=True)
def analytics_beacon(context: template.Context) -> str:
    if not (settings.QUIRE_ANALYTICS and settings.QUIRE_ANALYTICS_BEACON):
        return ""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(request, "user", None) is None or request.user.is_authenticated:
        return ""
    post = context.get("post")
    if post is None and context.get("page") is None and context.get("months") is None:
        return ""
    token = beacon.token_make(tenant_id=tenant.id, post_id=getattr(post, "id", None))
    return format_html(_SCRIPT, BEACON_PATH, token)
