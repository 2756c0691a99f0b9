"""Mail: the SMTP relay, and subscribers and newsletters."""

from config.settings.base import DEBUG, PLATFORM_DOMAIN, env

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Quire <no-reply@{PLATFORM_DOMAIN}>")
# Every mail: a slow mail server must not hold up a request or a task for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# An SMTP relay that needs a login and TLS (newsletters go to strangers: use a real provider).
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)

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
