"""A stock django-tenants setup over the same database, for comparison in read_throughput.

As django-tenants' docs describe: TenantMainMiddleware first (one Domain lookup query per
request), then Django's usual middleware; a plain ListView with Paginator; no page cache.
"""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES, TEMPLATES

# django-tenants' own backend, without Quire's schema counting (tenants/db).
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"

MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",  # allauth is installed, so it insists
]
ROOT_URLCONF = "bench.stock_urls"
PUBLIC_SCHEMA_URLCONF = "bench.stock_urls"
TEMPLATES = [TEMPLATES[0] | {"DIRS": [BASE_DIR / "bench" / "templates"]}]
