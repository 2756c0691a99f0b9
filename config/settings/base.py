"""The settings every other module reads: the environment, the checkout's `.local/`, the
platform's domain and whether it runs behind HTTPS. The environment is read in these modules
and nowhere else (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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

# One switch: QUIRE_HTTPS=1 when a TLS-terminating proxy (Caddy) serves the platform. It turns
# on the HTTPS redirect, HSTS and secure cookies. The proxy's X-Forwarded-Proto and
# X-Forwarded-For are believed only from QUIRE_TRUSTED_PROXIES (tenants.proxy).
QUIRE_HTTPS = env.bool("QUIRE_HTTPS", default=False)

# How links to the platform and blogs are written outside a request (emails, commands).
QUIRE_PUBLIC_SCHEME = env("QUIRE_PUBLIC_SCHEME", default="https" if QUIRE_HTTPS else "http")
QUIRE_PUBLIC_PORT = env("QUIRE_PUBLIC_PORT", default="")

# Host validation is done by tenants.middleware.TenantRoutingMiddleware, which answers 404 for
# any host that is neither the platform's nor a blog's. Django's own check would answer 400.
ALLOWED_HOSTS = ["*"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WSGI_APPLICATION = "config.wsgi.application"
