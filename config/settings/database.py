"""PostgreSQL (django-tenants' backend) and Redis (cache, routing, counts)."""

from config.settings.base import env

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
