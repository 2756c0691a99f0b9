"""Work a web process does once at start rather than on its first requests.

Django imports URLconfs (and every view module they name) and compiles templates on first
use: in a fresh gunicorn worker the first reader request paid ~0.3-4 s for it under load,
which was the tail of "first visit to a cold blog" (bench/fleet.py run --only cold). Called
from config/wsgi.py, i.e. in each worker after the fork; no database or Redis is touched.
"""

import logging

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver

logger = logging.getLogger(__name__)

# What an anonymous reader's pages render.
READER_TEMPLATES = (
    "blog/home.html",
    "blog/post.html",
    "blog/archive.html",
    "blog/404.html",
    "tenants/unknown_host.html",
)


def _patterns(resolver) -> None:
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            _patterns(pattern)


def warm_up() -> None:
    for name in ("ROOT_URLCONF", "PUBLIC_SCHEMA_URLCONF", "CUSTOM_DOMAIN_URLCONF"):
        urlconf = getattr(settings, name, None)
        if urlconf:
            _patterns(get_resolver(urlconf))
    for template in READER_TEMPLATES:
        try:
            get_template(template)
        except TemplateDoesNotExist:
            logger.warning("warm-up: no template %s", template)
