"""What the product's features may be tuned with: billing, the front cache, analytics,
import and export, outgoing webhooks, comments' spam check."""

from config.settings.base import env

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
# Paid memberships: each blog sells through its own Stripe account, linked by Connect OAuth
# (a Standard account). The client id is the platform's Connect application (ca_...); the
# webhook secret is the one of the platform's Connect endpoint (/billing/stripe/connect/).
STRIPE_CONNECT_CLIENT_ID = env("STRIPE_CONNECT_CLIENT_ID", default="")
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
# Where OAuth (authorize, token, deauthorize) is sent.
STRIPE_CONNECT_BASE = env("STRIPE_CONNECT_BASE", default="https://connect.stripe.com")
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
# A trial that ended this long ago with no payment goes back to Free (Stripe's own
# invoice.paid for the first period may arrive a little after the trial's end).
BILLING_TRIAL_GRACE_HOURS = env.int("BILLING_TRIAL_GRACE_HOURS", default=24)
# A subscription past_due for longer than this goes back to Free.
BILLING_PAST_DUE_GRACE_DAYS = env.int("BILLING_PAST_DUE_GRACE_DAYS", default=14)

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
QUIRE_ANALYTICS = env.bool("QUIRE_ANALYTICS", default=True)
# On by default when Quire purges a Varnish (it is in front); a CDN needs it set by hand.
QUIRE_ANALYTICS_BEACON = env.bool("QUIRE_ANALYTICS_BEACON", default=bool(QUIRE_VARNISH_URLS))
QUIRE_GEOIP_PATH = env("QUIRE_GEOIP_PATH", default="")

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

# How long an export's emailed download link works.
QUIRE_EXPORT_LINK_SECONDS = env.int("QUIRE_EXPORT_LINK_SECONDS", default=7 * 24 * 3600)

# --- comments' spam check (comments/spam.py) ---
# A blog whose owner gave an Akismet key has its comments checked there before they are
# published: the Akismet API's address (tests point it at a local stand-in) and the seconds it
# has to answer (then the check is retried later).
QUIRE_AKISMET_URL = env("QUIRE_AKISMET_URL", default="https://rest.akismet.com")
QUIRE_AKISMET_TIMEOUT = env.float("QUIRE_AKISMET_TIMEOUT", default=5.0)
