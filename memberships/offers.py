"""Offers: a percentage off a tier, sold as a Stripe coupon with a promotion code on the
blog's account, and a link to share (/members/offer/<code>/) that opens the tiers with the
offer applied at Checkout."""

import re

from memberships import services
from memberships.models import Offer, Tier
from memberships.stripe_api import call, client, on

MembershipInvalid = services.MembershipInvalid
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,39}")


def offer_create(
    *, tenant_id: int, tier_id: int, code: str, name: str, percent_off: str, duration: str,
    months: str = "",
) -> Offer:  # fmt: skip
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise MembershipInvalid("A code is 3 to 40 letters, digits or dashes, like SPRING-25.")
    if Offer.objects.filter(code__iexact=code).exists():
        raise MembershipInvalid(f"There is already an offer {code}.")
    tier = Tier.objects.filter(id=tier_id, active=True).first()
    if tier is None:
        raise MembershipInvalid("Choose the tier the offer is for.")
    percent = percent_off.strip()
    if not percent.isdecimal() or not 1 <= int(percent) <= 100:
        raise MembershipInvalid("The discount is a whole percentage from 1 to 100.")
    if duration not in Offer.Duration.values:
        raise MembershipInvalid("Choose how long the discount lasts.")
    in_months = None
    if duration == Offer.Duration.REPEATING:
        if not months.strip().isdecimal() or not 1 <= int(months) <= 36:
            raise MembershipInvalid("Give the number of months, 1 to 36.")
        in_months = int(months)
    account_id = services.selling_account(tenant_id=tenant_id)
    params = {"percent_off": int(percent), "duration": duration, "name": (name or code)[:40]}
    if in_months:
        params["duration_in_months"] = in_months
    api = client().v1
    coupon = call("make the coupon", api.coupons.create, params=params, options=on(account_id))
    promo = call(
        "make the promotion code",
        api.promotion_codes.create,
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, "code": code},
        options=on(account_id),
    )
    return Offer.objects.create(
        code=code, name=(name.strip() or code)[:60], tier=tier, percent_off=int(percent),
        duration=duration, duration_in_months=in_months, stripe_coupon_id=coupon.id,
        stripe_promotion_code_id=promo.id, stripe_account=account_id,
    )  # fmt: skip
