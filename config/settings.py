"""Quire settings. The environment is read here and nowhere else (django-environ).

Production differs from development only by environment variables; see README.md.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")

# The platform's root domain: `example.com` serves the public site, `<sub>.example.com` a blog.
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost").lower().strip(".")
# How links to the platform and blogs are written outside a request (emails, commands).
QUIRE_PUBLIC_SCHEME = env("QUIRE_PUBLIC_SCHEME", default="http")
QUIRE_PUBLIC_PORT = env("QUIRE_PUBLIC_PORT", default="")

# Host validation is done by tenants.middleware.TenantRoutingMiddleware, which answers 404 for
# any host that is neither the platform's nor a blog's. Django's own check would answer 400.
ALLOWED_HOSTS = ["*"]

SHARED_APPS = [
    "tenants",
    "shared.accounts",
    "shared.signup",
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
]
# Every table here is multiplied by the number of blogs: keep it lean.
TENANT_APPS = [
    "blog",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

# Schemas made ahead of time from the template: see tenants/schemas.py and tenants/pool.py.
QUIRE_TEMPLATE_SCHEMA = "t_template"
QUIRE_SPARE_POOL_SIZE = env.int("QUIRE_SPARE_POOL_SIZE", default=10)
# Fleet migrations: schemas per worker message.
QUIRE_FLEET_BATCH_SIZE = env.int("QUIRE_FLEET_BATCH_SIZE", default=25)
# How long the signup -> blog login hand-off token lives.
QUIRE_HANDOFF_MAX_AGE = env.int("QUIRE_HANDOFF_MAX_AGE", default=60)
# How long host -> tenant lookups stay in the cache (they are also invalidated on change).
QUIRE_ROUTING_CACHE_SECONDS = env.int("QUIRE_ROUTING_CACHE_SECONDS", default=300)
# ...and in each process for this long (a change made elsewhere takes this long to show).
QUIRE_ROUTING_LOCAL_SECONDS = env.float("QUIRE_ROUTING_LOCAL_SECONDS", default=2.0)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.HealthzMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shared.accounts.middleware.TenantBoundSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "shared.errors.ApplicationErrorMiddleware",
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
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5

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
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# allauth: email only, no usernames. Blogs are created by shared.signup, not allauth's signup.
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
    "tenants-purge-deleted": {
        "task": "tasks.billing.tenants_purge_deleted",
        "schedule": crontab(minute=45, hour=3),
    },
}

# --- billing & console (issue 5) ---
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

# --- blog (issue 3) ---
# Anonymous readers' page-cache hits are answered right after host routing, before sessions,
# CSRF and auth run (blog/cache.py); misses and logged-in people go on to the views.
MIDDLEWARE.insert(
    MIDDLEWARE.index("tenants.middleware.TenantRoutingMiddleware") + 1,
    "blog.cache.ReaderCacheMiddleware",
)

# --- import / export (issue 9) ---
# The largest file the Import page accepts (refused from the request's Content-Length, before
# the body is read; uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk).
QUIRE_IMPORT_MAX_BYTES = env.int("QUIRE_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# How long an export's emailed download link works.
QUIRE_EXPORT_LINK_SECONDS = env.int("QUIRE_EXPORT_LINK_SECONDS", default=7 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
