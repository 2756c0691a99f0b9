"""Purging a blog's pages from the front cache (Varnish here, a CDN in production).

`blog.cache.blog_changed()` calls the purger named by `settings.QUIRE_PURGER` after the change
commits, with the blog's surrogate key (`blog.cache.blog_key`): every reader page and feed of
that blog carries it in its `xkey` and `Surrogate-Key` headers, so one call purges them all and
nothing of another blog.

A purger is any callable taking `keys` (keyword-only). To put a CDN in front instead, write a
function that calls its purge-by-tag API with those keys (Fastly: `POST /service/<id>/purge`
with a `Surrogate-Key` header; Cloudflare: `POST /zones/<id>/purge_cache` with
`{"tags": keys}`; Bunny, Akamai alike) and name it in `QUIRE_PURGER`. A purger must not raise:
the change is committed; a failed purge is logged and the page expires by its `s-maxage`.
"""

import logging
from functools import lru_cache

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def purge_none(*, keys: list[str]) -> None:
    """The default: no front cache to purge."""


def purge_varnish(*, keys: list[str]) -> None:
    """Varnish with vmod xkey (deploy/varnish/quire.vcl): one `PURGE` request per Varnish,
    naming the keys in an `xkey-purge` header."""
    for url in settings.QUIRE_VARNISH_URLS:
        try:
            response = requests.request(
                "PURGE", url, headers={"xkey-purge": " ".join(keys)}, timeout=2
            )
            if response.status_code != 200:
                logger.warning(
                    "varnish %s refused the purge of %s: %s", url, keys, response.status_code
                )
        except requests.RequestException as error:
            logger.warning("varnish %s unreachable: %s not purged (%s)", url, keys, error)


@lru_cache(maxsize=4)
def _purger(path: str):
    return import_string(path)


def purge(*, keys: list[str]) -> None:
    try:
        _purger(settings.QUIRE_PURGER)(keys=keys)
    except Exception:  # a purge never fails the change that was committed
        logger.exception("front cache purge of %s failed", keys)
