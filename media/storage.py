"""Where a blog's files live in storage, and the storage itself (Django's storage API).

Every key of a blog starts with `<schema>/<tag>/`, where `tag` is an HMAC of the schema name
keyed with MEDIA_PREFIX_KEY (SECRET_KEY unless set): knowing one blog's URLs tells nothing
about another's, and a key that does not start with the current blog's prefix is never
served, listed or deleted. Each file adds a random token of its own below that.
The uploads as received (with their EXIF) live under `private/` and are never served.
"""

import hashlib
import hmac
import os
import posixpath
import re

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages

PRIVATE = "private/"
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# What a key below a blog's prefix may look like: <token>/<stem>[-<width>].<ext>
_KEY = re.compile(r"^[0-9a-f]{16}/[a-z0-9][a-z0-9-]{0,80}\.(?:jpg|png|gif|webp)$")

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def media_storage() -> Storage:
    """The storage named "media" in STORAGES: the local filesystem, or S3 when configured."""
    return storages["media"]


def blog_prefix(*, schema_name: str) -> str:
    """`<schema>/<tag>/`: the root of every served key of this blog."""
    if not _SCHEMA.match(schema_name):
        raise ValueError(f"not a schema name: {schema_name!r}")
    key = settings.MEDIA_PREFIX_KEY.encode()
    tag = hmac.new(key, f"media:{schema_name}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{schema_name}/{tag}/"


def key_is_blogs(*, schema_name: str, key: str) -> bool:
    """True when `key` is a well-formed served key of this blog (no `..`, no other prefix,
    nothing private). The check is on the text alone, before storage is touched."""
    prefix = blog_prefix(schema_name=schema_name)
    if not key.startswith(prefix) or posixpath.normpath(key) != key:
        return False
    return bool(_KEY.match(key[len(prefix) :]))


def private_key(key: str) -> str:
    return PRIVATE + key


def content_type_for(key: str) -> str | None:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1])


def blog_storage_delete_all(*, schema_name: str) -> int:
    """Delete every file of a blog (served and private media, and its imports and exports
    in the "private" storage, `<schema>/...`); returns how many. For purges."""
    storage = media_storage()
    prefix = blog_prefix(schema_name=schema_name)
    removed = 0
    for root in (prefix, private_key(prefix)):
        removed += _delete_tree(storage, root.rstrip("/"))
        if isinstance(storage, FileSystemStorage):  # and the schema's own empty folder
            try:
                os.rmdir(storage.path(root.rstrip("/").rsplit("/", 1)[0]))
            except OSError:
                pass
    # Uploaded imports and owners' exports (blog/services/imports.py, exports.py).
    removed += _delete_tree(storages["private"], schema_name)
    return removed


def _delete_tree(storage: Storage, directory: str) -> int:
    try:
        dirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        storage.delete(f"{directory}/{name}")
        removed += 1
    for name in dirs:
        removed += _delete_tree(storage, f"{directory}/{name}")
    if isinstance(storage, FileSystemStorage):  # the local filesystem keeps empty folders
        try:
            os.rmdir(storage.path(directory))
        except OSError:
            pass
    return removed
