"""Emails to a blog's owner about its plan. Sent after commit; links go to the blog's host."""

import logging
from typing import Any

from django.conf import settings

from shared.accounts import selectors as account_selectors
from shared.accounts.emails import email_send
from shared.billing.models import Subscription
from shared.billing.plans import PLAN_DEFAULTS

logger = logging.getLogger(__name__)


def _plan_name(code: str) -> str:
    return PLAN_DEFAULTS.get(code, {}).get("name", code)


def _blog_url(tenant, path: str) -> str:
    """The blog's primary host (its Domain rows; billing does not import tenants/)."""
    host = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    host = host or f"{tenant.subdomain}.{settings.PLATFORM_DOMAIN}"
    port = settings.QUIRE_PUBLIC_PORT
    return f"{settings.QUIRE_PUBLIC_SCHEME}://{host}{f':{port}' if port else ''}{path}"


def subscription_change_email_send(
    *, tenant_id: int, before: dict[str, Any], after: dict[str, Any]
) -> bool:
    """Tell the owner what changed and where to manage billing. Never raises: a failed email
    must not undo a committed billing change (it is logged instead)."""
    tenant = Subscription.tenant.field.related_model.objects.filter(pk=tenant_id).first()
    owner_email = account_selectors.tenant_owner_email(tenant_id=tenant_id)
    if tenant is None or owner_email is None:
        return False
    billing_url = _blog_url(tenant, "/dashboard/billing/")
    old, new = _plan_name(before["plan"]), _plan_name(after["plan"])
    if old != new:
        subject = f"{tenant.name} is now on the {new} plan"
        what = f"Your blog {tenant.name} moved from the {old} plan to the {new} plan."
        if after["status"] == "canceled":
            what += " Nothing was deleted: posts over the new plan's limits stay, read-only."
    else:
        subject = f"Payment failed for {tenant.name}"
        what = (
            f"We could not take the payment for the {new} plan of {tenant.name}. "
            "Please update your card, or the blog will go back to the Free plan."
        )
    try:
        # In the common mail layout, signed with the blog's name (EMAIL_TIMEOUT keeps a slow
        # mail server from holding up the webhook request or task this runs after).
        email_send(
            template="plan_changed",
            to=[owner_email],
            context={"subject": subject, "what": what, "billing_url": billing_url},
            sender_name=tenant.name,
            sender_url=_blog_url(tenant, "/"),
        )
    except Exception:  # SMTP errors are many; the change itself is already committed
        logger.exception("could not email %s about a billing change", owner_email)
        return False
    return True
