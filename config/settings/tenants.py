"""Blogs: spare schemas, fleet migrations, routing by host, custom domains, deletion."""

from pathlib import Path

from config.settings.base import BASE_DIR, PLATFORM_DOMAIN, env

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

# A soft-deleted blog can be undeleted for this long; then its schema is dropped.
TENANT_DELETE_GRACE_DAYS = env.int("TENANT_DELETE_GRACE_DAYS", default=30)
# Exports of deleted blogs' posts (JSON, one file per deletion).
TENANT_EXPORT_DIR = Path(env("TENANT_EXPORT_DIR", default=str(BASE_DIR / ".local" / "exports")))
