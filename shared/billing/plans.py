"""The plans Quire sells. Plain data, used by the data migration and by `plans_ensure()`.

A limit of None means unlimited. Prices are in cents per month. `member_fee_percent` is the
platform's share of what readers pay a blog on that plan (Stripe's application fee).
"""

FREE, PRO, BUSINESS = "free", "pro", "business"

PLAN_DEFAULTS: dict[str, dict] = {
    FREE: {
        "name": "Free",
        "monthly_price_cents": 0,
        "max_published_posts": 20,
        "max_members": 1,
        "custom_domain": False,
        "api_access": False,
        "storage_mb": 100,
        "max_subscribers": 500,
        "max_emails_per_month": 2_000,
        "paid_memberships": True,
        "member_fee_percent": 10,
        "position": 0,
    },
    PRO: {
        "name": "Pro",
        "monthly_price_cents": 900,
        "max_published_posts": 1000,
        "max_members": 5,
        "custom_domain": True,
        "api_access": True,
        "storage_mb": 5_000,
        "max_subscribers": 10_000,
        "max_emails_per_month": 100_000,
        "paid_memberships": True,
        "member_fee_percent": 0,
        "position": 1,
    },
    BUSINESS: {
        "name": "Business",
        "monthly_price_cents": 2900,
        "max_published_posts": None,
        "max_members": 25,
        "custom_domain": True,
        "api_access": True,
        "storage_mb": 50_000,
        "max_subscribers": None,
        "max_emails_per_month": None,
        "paid_memberships": True,
        "member_fee_percent": 0,
        "position": 2,
    },
}

# Which setting holds the Stripe price id of each paid plan.
PRICE_SETTINGS = {PRO: "STRIPE_PRICE_PRO", BUSINESS: "STRIPE_PRICE_BUSINESS"}
