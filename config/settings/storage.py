"""Files: static files (WhiteNoise), blogs' media (filesystem or S3), private files."""

from pathlib import Path

from config.settings.base import BASE_DIR, SECRET_KEY, env

# A blog's files go through the storage named "media": the local filesystem under MEDIA_ROOT,
# or any S3-compatible store when MEDIA_S3_BUCKET is set. Django serves them on the blog's
# own host at MEDIA_URL (media/views.py) with year-long immutable cache headers.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media")))
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")


def _media_storage() -> dict:
    if MEDIA_S3_BUCKET:
        return {
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
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }


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
    "media": _media_storage(),
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

# Keys the per-blog storage prefixes (an HMAC of the schema name): set it apart from
# SECRET_KEY so that rotating SECRET_KEY keeps every file's URL.
MEDIA_PREFIX_KEY = env("MEDIA_PREFIX_KEY", default=SECRET_KEY)
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=20_000_000)
# Images with more pixels are refused from their header (decompression bombs).
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=40_000_000)
MEDIA_WIDTHS = tuple(env.list("MEDIA_WIDTHS", cast=int, default=[480, 960, 1600]))
