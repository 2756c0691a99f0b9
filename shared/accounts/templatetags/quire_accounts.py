from django import template

from shared.accounts import selectors

register = template.Library()


@register.inclusion_tag("accounts/_unverified_notice.html", takes_context=True)
def email_unverified_notice(context) -> dict:
    """On a blog's dashboard: say why publishing and inviting wait, with a resend button."""
    request = context["request"]
    tenant = getattr(request, "tenant", None)
    user = request.user
    if tenant is None or not user.is_authenticated:
        return {"show": False}
    if selectors.tenant_owner_verified(tenant_id=tenant.id):
        return {"show": False}
    return {
        "show": True,
        "self_unverified": not selectors.user_email_verified(user=user),
        "email": user.email,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("accounts/_time_zone_script.html", takes_context=True)
def member_time_zone_script(context) -> dict:
    """Once, while the member has no time zone yet: the browser tells us its own."""
    user = context["request"].user
    return {"show": user.is_authenticated and not user.time_zone}
