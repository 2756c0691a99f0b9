"""Quire settings. The environment is read here and nowhere else (django-environ).

Production differs from development only by environment variables; see README.md.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A checkout where `make run` ran once has `.local/`: the secret key it generated and `.local/env`
# (the database, Redis and public port it used), so that `manage.py` works in a fresh shell.
# Variables set in the environment win. Production has no `.local/` (the image never copies
# it), so there a missing SECRET_KEY still refuses to start. `make test` sets
# QUIRE_IGNORE_LOCAL_ENV=1 so that a developer's `make run` never leaks into the tests (which
# point QUIRE_LOCAL_DIR at a directory of their own to test this very fallback).
LOCAL_DIR = Path(env("QUIRE_LOCAL_DIR", default=str(BASE_DIR / ".local")))
_use_local = not env.bool("QUIRE_IGNORE_LOCAL_ENV", default=False)
if _use_local and (LOCAL_DIR / "env").is_file():
    environ.Env.read_env(LOCAL_DIR / "env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if "SECRET_KEY" not in env.ENVIRON and (LOCAL_DIR / "secret_key").is_file():
    SECRET_KEY = (LOCAL_DIR / "secret_key").read_text().strip()
else:
    SECRET_KEY = env("SECRET_KEY")

# The platform's root domain: `example.com` serves the public site, `<sub>.example.com` a blog.
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost").lower().strip(".")

# --- HTTPS behind a front server ---
# One switch: QUIRE_HTTPS=1 when a TLS-terminating proxy (Caddy) serves the platform. It turns
# on the HTTPS redirect, HSTS and secure cookies. The proxy's X-Forwarded-Proto and
# X-Forwarded-For are believed only from QUIRE_TRUSTED_PROXIES (tenants.proxy).
QUIRE_HTTPS = env.bool("QUIRE_HTTPS", default=False)
QUIRE_TRUSTED_PROXIES = env.list("QUIRE_TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = QUIRE_HTTPS
# Caddy asks over plain HTTP on the internal network; health checks too.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^_quire/"]
SECURE_HSTS_SECONDS = env.int("QUIRE_HSTS_SECONDS", default=31_536_000) if QUIRE_HTTPS else 0
# Blog subdomains are served by the same proxy over HTTPS, so HSTS covers them too. Custom
# domains get their own header from the responses served on them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = QUIRE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- custom domains ---
# What owners point their domain at: a CNAME for a subdomain (`blog.example.org`), A/AAAA
# records for an apex (`example.org`). Plus a TXT record proving the domain is theirs.
QUIRE_DOMAIN_CNAME_TARGET = (
    env("QUIRE_DOMAIN_CNAME_TARGET", default="") or f"domains.{PLATFORM_DOMAIN}"
)
QUIRE_DOMAIN_IPV4 = env.list("QUIRE_DOMAIN_IPV4", default=[])
QUIRE_DOMAIN_IPV6 = env.list("QUIRE_DOMAIN_IPV6", default=[])
# The DNS servers verification asks (default: the system's), their port and patience.
QUIRE_DNS_NAMESERVERS = env.list("QUIRE_DNS_NAMESERVERS", default=[])
QUIRE_DNS_PORT = env.int("QUIRE_DNS_PORT", default=53)
QUIRE_DNS_TIMEOUT = env.float("QUIRE_DNS_TIMEOUT", default=3.0)
# A domain not verified within this many hours is marked failed (the owner may check again).
QUIRE_DOMAIN_VERIFY_HOURS = env.int("QUIRE_DOMAIN_VERIFY_HOURS", default=72)

# How links to the platform and blogs are written outside a request (emails, commands).
QUIRE_PUBLIC_SCHEME = env("QUIRE_PUBLIC_SCHEME", default="https" if QUIRE_HTTPS else "http")
QUIRE_PUBLIC_PORT = env("QUIRE_PUBLIC_PORT", default="")

# Host validation is done by tenants.middleware.TenantRoutingMiddleware, which answers 404 for
# any host that is neither the platform's nor a blog's. Django's own check would answer 400.
ALLOWED_HOSTS = ["*"]

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
]
# Every table here is multiplied by the number of blogs: keep it lean.
TENANT_APPS = [
    "blog",
    "media",
    "api",
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

# Schemas made ahead of time from the template: see tenants/schemas.py and tenants/pool.py.
QUIRE_TEMPLATE_SCHEMA = "t_template"
QUIRE_SPARE_POOL_SIZE = env.int("QUIRE_SPARE_POOL_SIZE", default=10)
# Fleet migrations: schemas per worker message.
QUIRE_FLEET_BATCH_SIZE = env.int("QUIRE_FLEET_BATCH_SIZE", default=25)
# Each schema's migration runs under these (PostgreSQL durations): a migration that cannot get
# its locks in time is retried later with backoff rather than queueing readers behind it.
QUIRE_MIGRATION_LOCK_TIMEOUT = env("QUIRE_MIGRATION_LOCK_TIMEOUT", default="3s")
QUIRE_MIGRATION_STATEMENT_TIMEOUT = env("QUIRE_MIGRATION_STATEMENT_TIMEOUT", default="5min")
QUIRE_MIGRATION_LOCK_TRIES = env.int("QUIRE_MIGRATION_LOCK_TRIES", default=4)
QUIRE_MIGRATION_RETRY_BACKOFF = env.float("QUIRE_MIGRATION_RETRY_BACKOFF", default=5.0)
# How long the signup -> blog login hand-off token lives.
QUIRE_HANDOFF_MAX_AGE = env.int("QUIRE_HANDOFF_MAX_AGE", default=60)
# How long host -> tenant lookups stay in the cache (they are also invalidated on change).
QUIRE_ROUTING_CACHE_SECONDS = env.int("QUIRE_ROUTING_CACHE_SECONDS", default=300)
# ...and in each process for this long (routes involving a custom domain: 2 s at most)...
QUIRE_ROUTING_LOCAL_SECONDS = env.float("QUIRE_ROUTING_LOCAL_SECONDS", default=300.0)
# ...while each process asks Redis this often which hosts changed (a rename, suspension or
# deletion made elsewhere takes this long to reach it).
QUIRE_ROUTING_POLL_SECONDS = env.float("QUIRE_ROUTING_POLL_SECONDS", default=0.5)

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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shared.accounts.middleware.TenantBoundSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lib.errors.ApplicationErrorMiddleware",
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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/quire")}
# django-tenants' backend, counting the schemas each connection visits (tenants/db/base.py).
DATABASES["default"]["ENGINE"] = "tenants.db"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
# A connection that has visited more schemas than this is closed at the end of the request or
# Celery task (tenants/recycling.py): each schema visited costs its PostgreSQL backend catalog
# cache memory it never gives back (~0.2 MB per blog).
QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION = env.int("QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION", default=200)

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "quire",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cookies are host-only (no SESSION_COOKIE_DOMAIN): a blog's cookies never reach another blog.
# A session is also bound to the schema it was made on (shared.accounts.middleware).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = QUIRE_HTTPS
CSRF_COOKIE_SECURE = QUIRE_HTTPS
# CSRF: Django checks a POST's Origin against the scheme and host the request was served on
# (every blog subdomain and custom domain is its own origin); no trusted-origin list needed.

# allauth: email only, no usernames (more in the accounts block at the end).
ACCOUNT_ADAPTER = "shared.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Quire <no-reply@{PLATFORM_DOMAIN}>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files only the app reads back (uploaded imports, exports): never served by a front server;
# under `<schema>/...` per blog. Exports are downloaded through a signed, owner-only view.
QUIRE_PRIVATE_ROOT = Path(env("QUIRE_PRIVATE_ROOT", default=str(BASE_DIR / ".local" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(QUIRE_PRIVATE_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
# Files served at the root of every host (/favicon.ico), before any host lookup.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
ICON_MAX_AGE = 60 * 60 * 24 * 30


def _icon_headers(headers, path: str, url: str) -> None:  # noqa: ANN001 (WhiteNoise's hook)
    """Icons change about never: browsers and proxies keep them for a month (other static
    files keep WhiteNoise's short default, as their names carry no hash)."""
    if url.endswith(("/favicon.ico", "/favicon.svg")):
        headers["Cache-Control"] = f"public, max-age={ICON_MAX_AGE}"


WHITENOISE_ADD_HEADERS_FUNCTION = _icon_headers
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: JSON only, tenant context in the message headers (tenant-schemas-celery).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "tasks.search.*": {"queue": "search"},
    "tasks.imports.*": {"queue": "imports"},
    "tasks.migrations.*": {"queue": "migrations"},
    "tasks.provisioning.*": {"queue": "provisioning"},
    # DNS checks of custom domains wait on other people's name servers: their own queue.
    "tasks.domains.*": {"queue": "domains"},
}
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
# A task taken by a worker that dies is delivered again once this many seconds have passed
# without an ack (acks_late tasks): longer than the longest task's time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request that queues a task must not hang when Redis is down: fail fast, sweep later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Tenant lookups by the worker are cached, so a task does not cost an extra query each time.
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Every periodic task, in one place.
CELERY_BEAT_SCHEDULE = {
    "publish-due-posts": {
        "task": "tasks.publishing.publish_due_dispatch",
        "schedule": crontab(),  # every minute
    },
    "pool-refill": {
        "task": "tasks.provisioning.pool_refill",
        "schedule": crontab(minute="*/5"),
    },
    "search-sweep-stale-vectors": {
        "task": "tasks.search.search_sweep_dispatch",
        "schedule": crontab(minute="*/10"),
    },
    "billing-trials-expire": {
        "task": "tasks.billing.billing_trials_expire",
        "schedule": crontab(minute=15),
    },
    "billing-past-due-expire": {
        "task": "tasks.billing.billing_past_due_expire",
        "schedule": crontab(minute=25),
    },
    "billing-usage-refresh": {
        "task": "tasks.billing.usage_refresh_dispatch",
        "schedule": crontab(minute=35, hour="*/6"),
    },
    "custom-domains-verify": {
        "task": "tasks.domains.custom_domains_verify_due",
        "schedule": crontab(minute="*/5"),
    },
    "tenants-purge-deleted": {
        "task": "tasks.billing.tenants_purge_deleted",
        "schedule": crontab(minute=45, hour=3),
    },
    # Reader counts from Redis into PostgreSQL: writers see today's readers within a minute.
    "analytics-flush": {
        "task": "tasks.analytics.analytics_flush",
        "schedule": crontab(),
    },
}

# --- billing & console ---
# Stripe: with no secret key the billing page says billing is not set up (staff can still
# change plans by hand in the console). Price ids are the monthly prices of the paid plans.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_PRICE_PRO = env("STRIPE_PRICE_PRO", default="")
STRIPE_PRICE_BUSINESS = env("STRIPE_PRICE_BUSINESS", default="")
# Where the stripe library sends API calls (tests point it at a local fake server).
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
# How old a signed webhook may be (seconds) before it is refused as a possible replay.
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
# A trial that ended this long ago with no payment goes back to Free (Stripe's own
# invoice.paid for the first period may arrive a little after the trial's end).
BILLING_TRIAL_GRACE_HOURS = env.int("BILLING_TRIAL_GRACE_HOURS", default=24)
# A subscription past_due for longer than this goes back to Free.
BILLING_PAST_DUE_GRACE_DAYS = env.int("BILLING_PAST_DUE_GRACE_DAYS", default=14)
# A soft-deleted blog can be undeleted for this long; then its schema is dropped.
TENANT_DELETE_GRACE_DAYS = env.int("TENANT_DELETE_GRACE_DAYS", default=30)
# Exports of deleted blogs' posts (JSON, one file per deletion).
TENANT_EXPORT_DIR = Path(env("TENANT_EXPORT_DIR", default=str(BASE_DIR / ".local" / "exports")))

# --- blog ---
# Anonymous readers' page-cache hits are answered right after host routing, before sessions,
# CSRF and auth run (blog/cache.py); misses and logged-in people go on to the views.
MIDDLEWARE.insert(
    MIDDLEWARE.index("tenants.middleware.TenantRoutingMiddleware") + 1,
    "blog.cache.ReaderCacheMiddleware",
)

# The front cache (Varnish, or a CDN): anonymous reader pages and feeds say how long browsers
# (max-age) and the shared cache (s-maxage) may keep them; `blog_changed()` purges a blog's
# pages through QUIRE_PURGER (blog/purge.py: "blog.purge.purge_none", "blog.purge.purge_varnish"
# or a CDN's purge-by-tag call). Varnish URLs: comma-separated, e.g. http://127.0.0.1:6081/.
QUIRE_FRONT_MAX_AGE = env.int("QUIRE_FRONT_MAX_AGE", default=60)
QUIRE_FRONT_S_MAXAGE = env.int("QUIRE_FRONT_S_MAXAGE", default=600)
QUIRE_VARNISH_URLS = env.list("QUIRE_VARNISH_URLS", default=[])
QUIRE_PURGER = env(
    "QUIRE_PURGER",
    default="blog.purge.purge_varnish" if QUIRE_VARNISH_URLS else "blog.purge.purge_none",
)

# --- analytics ---
# Reader page views and feed fetches, counted in Redis without cookies or addresses and flushed
# into the public schema every minute (analytics/). The counting middleware sits before the
# reader page cache, so cache hits are counted too. QUIRE_ANALYTICS=0 turns counting off.
# With a shared cache in front (Varnish, a CDN), set QUIRE_ANALYTICS_BEACON=1: reader pages
# then carry a cookieless beacon to /_quire/view and Django stops counting pages itself.
# Countries: QUIRE_GEOIP_PATH = a GeoLite2/GeoIP2 Country .mmdb (and `pip install '.[geoip]'`).
SHARED_APPS.append("analytics")
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
QUIRE_ANALYTICS = env.bool("QUIRE_ANALYTICS", default=True)
# On by default when Quire purges a Varnish (it is in front); a CDN needs it set by hand.
QUIRE_ANALYTICS_BEACON = env.bool("QUIRE_ANALYTICS_BEACON", default=bool(QUIRE_VARNISH_URLS))
QUIRE_GEOIP_PATH = env("QUIRE_GEOIP_PATH", default="")
MIDDLEWARE.insert(
    MIDDLEWARE.index("blog.cache.ReaderCacheMiddleware"), "analytics.middleware.AnalyticsMiddleware"
)

# --- logging and error reporting ---
# Every line carries time, level, logger, request id and tenant (config/logging.py);
# LOG_FORMAT=json writes one JSON object per line.
LOG_FORMAT = env("LOG_FORMAT", default="text")

# --- media ---
# A blog's files go through the storage named "media": the local filesystem under MEDIA_ROOT,
# or any S3-compatible store when MEDIA_S3_BUCKET is set. Django serves them on the blog's
# own host at MEDIA_URL (media/views.py) with year-long immutable cache headers.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media")))
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["media"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("MEDIA_S3_REGION", default="") or None,
            "access_key": env("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["media"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
# Keys the per-blog storage prefixes (an HMAC of the schema name): set it apart from
# SECRET_KEY so that rotating SECRET_KEY keeps every file's URL.
MEDIA_PREFIX_KEY = env("MEDIA_PREFIX_KEY", default=SECRET_KEY)
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=20_000_000)
# Images with more pixels are refused from their header (decompression bombs).
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=40_000_000)
MEDIA_WIDTHS = tuple(env.list("MEDIA_WIDTHS", cast=int, default=[480, 960, 1600]))
CELERY_TASK_ROUTES["tasks.media.*"] = {"queue": "media"}

# --- import / export ---
# The largest file the Import page accepts (refused from the request's Content-Length, before
# the body is read; uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk).
QUIRE_IMPORT_MAX_BYTES = env.int("QUIRE_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# Images named by imported posts are fetched by a worker (blog/imports/fetch.py): a timeout
# for the whole download; private/loopback/link-local/multicast addresses are refused except
# the exact addresses listed here (only tests list one: 127.0.0.1, their local server).
QUIRE_IMPORT_FETCH_TIMEOUT = env.float("QUIRE_IMPORT_FETCH_TIMEOUT", default=15.0)
QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES: list[str] = []
# --- outgoing webhooks (webhooks/) ---
# Seconds before each retry of a failed delivery (default: 1 min, 5 min, 30 min, 2 h, 6 h,
# 12 h: 7 attempts within about 21 hours); then the delivery is marked failed. Retries due
# within QUIRE_WEBHOOK_COUNTDOWN_MAX seconds are queued with a countdown, later ones by the
# every-minute sweep.
QUIRE_WEBHOOK_RETRY_SECONDS = env.list(
    "QUIRE_WEBHOOK_RETRY_SECONDS", cast=float, default=[60, 300, 1800, 7200, 21600, 43200]
)
QUIRE_WEBHOOK_COUNTDOWN_MAX = env.float("QUIRE_WEBHOOK_COUNTDOWN_MAX", default=300.0)
QUIRE_WEBHOOK_TIMEOUT = env.float("QUIRE_WEBHOOK_TIMEOUT", default=10.0)
# An endpoint whose deliveries all failed for this many days is disabled (the owner sees why).
QUIRE_WEBHOOK_DISABLE_AFTER_DAYS = env.int("QUIRE_WEBHOOK_DISABLE_AFTER_DAYS", default=3)
QUIRE_WEBHOOK_LOG_DAYS = env.int("QUIRE_WEBHOOK_LOG_DAYS", default=30)
# Webhooks are never sent to private, loopback, link-local, multicast or reserved addresses.
# Only the test settings allow loopback (their receiver listens there); no environment
# variable can.
QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
CELERY_TASK_ROUTES["tasks.webhooks.*"] = {"queue": "webhooks"}
CELERY_BEAT_SCHEDULE["webhook-deliveries-sweep"] = {
    "task": "tasks.webhooks.webhook_deliveries_sweep",
    "schedule": crontab(),  # every minute
}

# How long an export's emailed download link works.
QUIRE_EXPORT_LINK_SECONDS = env.int("QUIRE_EXPORT_LINK_SECONDS", default=7 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logging.ContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[req=%(request_id)s tenant=%(tenant)s] %(message)s"
        },
        "json": {"()": "config.logging.JsonFormatter"},
    },  # fmt: skip
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- accounts ---
TEMPLATES[0]["OPTIONS"]["context_processors"].append("shared.accounts.context_processors.accounts")
# How many blogs on the Free plan one person may own ("My blogs" -> New blog, and signup).
QUIRE_FREE_BLOGS_PER_ACCOUNT = env.int("QUIRE_FREE_BLOGS_PER_ACCOUNT", default=3)
# Signup is allauth's (signup.views.SignupView + signup.forms.SignupForm): the
# form also asks for the first blog. Verification is "optional" for logging in (an unconfirmed
# owner can write) and always mailed at signup; publishing and inviting wait for it
# (shared.accounts.services.publishing_allowed_check).
ACCOUNT_FORMS = {"signup": "signup.forms.SignupForm"}
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one once confirmed
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password/email changed notices

# Two-factor (allauth.mfa): TOTP with recovery codes, and security keys / passkeys. Staff must
# have one before any console action (shared.accounts.mfa.StaffMFARequiredMiddleware).
SHARED_APPS += ["allauth.mfa"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
MFA_ADAPTER = "shared.accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Quire"
# WebAuthn needs a secure origin; plain http is allowed only for local development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
QUIRE_CONSOLE_PREFIX = "/admin/"
MIDDLEWARE.append("shared.accounts.mfa.StaffMFARequiredMiddleware")

# Abuse limits on allauth's rate limiter (shared.accounts.ratelimits): "amount/period/per",
# per = ip | user | key. allauth's own actions keep their defaults unless named here.
ACCOUNT_RATE_LIMITS = {
    "signup": env("QUIRE_RATE_SIGNUP", default="5/h/ip"),  # each one provisions a schema
    "reset_password": env("QUIRE_RATE_RESET_PASSWORD", default="10/h/ip,3/h/key"),
    "blog_create": env("QUIRE_RATE_BLOG_CREATE", default="10/h/ip,5/d/user"),
    "search": env("QUIRE_RATE_SEARCH", default="60/m/ip"),
    "invitation_send": env("QUIRE_RATE_INVITATION_SEND", default="60/h/ip,20/h/user"),
    # The public API (api/): per client address, and per token (key) on the Admin API.
    "api_content": env("QUIRE_RATE_API_CONTENT", default="600/m/ip"),
    "api_admin": env("QUIRE_RATE_API_ADMIN", default="600/m/ip"),
    "api_token": env("QUIRE_RATE_API_TOKEN", default="300/m/key"),
}

# Every mail: a slow mail server must not hold up a request or a task for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Each member's time zone on the dashboard and account pages (shared.accounts.timezones).
MIDDLEWARE.append("shared.accounts.timezones.MemberTimeZoneMiddleware")

# Social login (GitHub, Google): off unless both of a provider's variables are set. With
# them, the root domain's login and signup pages offer it (callback URL to register with the
# provider: <scheme>://<PLATFORM_DOMAIN>/accounts/<github|google>/login/callback/).
SOCIALACCOUNT_PROVIDERS: dict = {}
for _provider, _prefix in (("github", "GITHUB"), ("google", "GOOGLE")):
    _client_id = env(f"QUIRE_{_prefix}_CLIENT_ID", default="")
    _secret = env(f"QUIRE_{_prefix}_CLIENT_SECRET", default="")
    if _client_id and _secret:
        SHARED_APPS += [f"allauth.socialaccount.providers.{_provider}"]
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret, "key": ""}],
            "SCOPE": ["user:email"] if _provider == "github" else ["profile", "email"],
            "VERIFIED_EMAIL": _provider == "google",
        }
# The socialaccount app (its tables) is always installed, so turning a provider on needs no
# migration; with no provider configured nothing is offered.
SHARED_APPS.insert(SHARED_APPS.index("allauth.mfa"), "allauth.socialaccount")
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never log into an existing account by email

# Optional error reporting: set SENTRY_DSN and install the extra (`pip install '.[sentry]'`).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install '.[sentry]'"
        ) from exc
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# --- subscribers and newsletters ---
# An SMTP relay that needs a login and TLS (newsletters go to strangers: use a real provider).
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# The audience app's tables live in each blog's schema (subscribers, sends, deliveries).
TENANT_APPS += ["audience"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
# Newsletters go out on their own queue, so a big send never holds up other work.
CELERY_TASK_ROUTES["tasks.newsletters.*"] = {"queue": "newsletters"}
# Messages per SMTP connection and batch, and the most per second one worker sends (0: as fast
# as the mail server takes them). Temporary (4xx) failures are tried this many times in all,
# the first retry after NEWSLETTER_RETRY_SECONDS, then twice as long each time.
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=100)
NEWSLETTER_RATE_PER_SECOND = env.float("NEWSLETTER_RATE_PER_SECOND", default=0)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=4)
NEWSLETTER_RETRY_SECONDS = env.int("NEWSLETTER_RETRY_SECONDS", default=60)
# Where newsletters come from: "Blog name <NEWSLETTER_FROM_EMAIL>" (default DEFAULT_FROM_EMAIL's
# address) and the optional mailto: of List-Unsubscribe (empty: the https URL only).
NEWSLETTER_FROM_EMAIL = env("NEWSLETTER_FROM_EMAIL", default="")
NEWSLETTER_UNSUBSCRIBE_MAILTO = env("NEWSLETTER_UNSUBSCRIBE_MAILTO", default="")
# Unconfirmed subscriptions are removed after this many days (periodic task).
SUBSCRIBER_CONFIRM_DAYS = env.int("SUBSCRIBER_CONFIRM_DAYS", default=7)
# Bounce and complaint events (django-anymail's normalised tracking-event shape) are accepted at
# https://<PLATFORM_DOMAIN>/webhooks/email/ with HTTP basic auth "user:password" (as anymail's
# WEBHOOK_SECRET). Empty: the endpoint answers 404.
EMAIL_WEBHOOK_SECRET = env("EMAIL_WEBHOOK_SECRET", default="")
ACCOUNT_RATE_LIMITS["subscribe"] = env("QUIRE_RATE_SUBSCRIBE", default="10/h/ip,3/h/key")
ACCOUNT_RATE_LIMITS["newsletter_test"] = env("QUIRE_RATE_NEWSLETTER_TEST", default="20/h/user")
# Removes expired unconfirmed subscriptions, and queues again any send left waiting (its message
# lost while the broker was down); a send already running elsewhere is left alone.
CELERY_BEAT_SCHEDULE["audience-sweep"] = {
    "task": "tasks.newsletters.audience_sweep_dispatch",
    "schedule": crontab(minute="*/15"),
}
