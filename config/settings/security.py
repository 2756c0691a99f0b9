"""HTTPS behind a front server, security headers and cookies."""

from config.settings.base import QUIRE_HTTPS, env

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

# Cookies are host-only (no SESSION_COOKIE_DOMAIN): a blog's cookies never reach another blog.
# A session is also bound to the schema it was made on (shared.accounts.middleware).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = QUIRE_HTTPS
CSRF_COOKIE_SECURE = QUIRE_HTTPS
# CSRF: Django checks a POST's Origin against the scheme and host the request was served on
# (every blog subdomain and custom domain is its own origin); no trusted-origin list needed.
