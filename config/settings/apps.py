"""Which apps are installed where (public schema, every blog's schema), the URLconfs, the
middleware and the templates: each list declared once."""

from config.settings.accounts import SOCIAL_PROVIDER_APPS
from config.settings.base import BASE_DIR

SHARED_APPS = [
    "tenants",
    "staff",  # the staff console; before the admin, whose templates it extends
    "shared.accounts",
    "signup",
    "shared.console",
    "shared.billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    # After the admin, so that Django's admin templates are used rather than django-tenants'
    # (which expect a tenant object on the root domain, where Quire has none).
    "django_tenants",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "ninja",  # the API's OpenAPI docs page and its static files (api/)
    "webhooks",  # outgoing webhooks: endpoints and deliveries of every blog (public schema)
    # Reader counts, flushed into the public schema (analytics/).
    "analytics",
    # Always installed, so that turning a social login provider on needs no migration; the
    # providers configured (accounts.py) follow allauth.mfa.
    "allauth.socialaccount",
    "allauth.mfa",
    *SOCIAL_PROVIDER_APPS,
]
# Every table here is multiplied by the number of blogs: keep it lean.
TENANT_APPS = [
    "blog",
    "media",
    "api",
    "audience",  # subscribers, sends and deliveries
    "comments",  # comments, likes and their moderation
    "memberships",  # paid tiers, readers' memberships, offers
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# A blog's own domain serves reader pages only (no dashboard, no logins, no session cookie).
CUSTOM_DOMAIN_URLCONF = "config.urls_custom"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

MIDDLEWARE = [
    "tenants.proxy.TrustedProxyMiddleware",
    "config.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Up here, with SecurityMiddleware: its header is then on every response, page-cache hits
    # and unknown-host 404s included, not only on what the views answer.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.HealthzMiddleware",
    "tenants.middleware.CaddyAskMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    # Reader counts, before the page cache so that cache hits are counted too.
    "analytics.middleware.AnalyticsMiddleware",
    # Anonymous readers' page-cache hits are answered right after host routing, before
    # sessions, CSRF and auth run (blog/cache.py); misses and logged-in people go on.
    "blog.cache.ReaderCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shared.accounts.middleware.TenantBoundSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lib.errors.ApplicationErrorMiddleware",
    # Staff must have a second factor before any console action.
    "shared.accounts.mfa.StaffMFARequiredMiddleware",
    # Each member's time zone on the dashboard and account pages.
    "shared.accounts.timezones.MemberTimeZoneMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.platform",
                "shared.accounts.context_processors.accounts",
            ],
        },
    },
]
