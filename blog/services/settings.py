"""Writes for a blog's settings (its own schema) and its language (the public Tenant row)."""

import re

from django.db import transaction

from blog import dispatch
from blog.cache import blog_changed
from blog.models import BlogSettings
from blog.services.posts import text_clean
from lib.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.routing import tenant_routing_invalidate

MAX_NAV_LINKS = 20
MAX_NAV_LABEL = 50
# Longest texts, as the columns allow (BlogSettings).
TEXT_LIMITS = {"title": 100, "tagline": 200, "description": 1000, "footer": 500}
_ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")


class SettingsConflict(Conflict):
    """The settings were saved elsewhere since the owner's form was opened."""


def settings_version(settings: BlogSettings | None) -> str:
    """What the settings form was opened at ("" before the first save)."""
    return settings.updated_at.isoformat() if settings and settings.updated_at else ""


class SettingsInvalid(ApplicationError):
    pass


def navigation_parse(raw: str) -> list[dict[str, str]]:
    """One link per line, 'Label | URL'. URLs are site paths (/about/) or http(s) links."""
    links: list[dict[str, str]] = []
    for number, line in enumerate(text_clean(raw).splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, url = (part.strip() for part in line.partition("|"))
        if not sep or not label or not url:
            raise SettingsInvalid(
                f"Line {number}: write links as 'Label | /path/' or 'Label | https://…'."
            )
        if len(label) > MAX_NAV_LABEL:
            raise SettingsInvalid(
                f"Line {number}: labels can be at most {MAX_NAV_LABEL} characters."
            )
        lowered = url.lower()
        if not (
            (url.startswith("/") and not url.startswith("//"))
            or lowered.startswith(("http://", "https://"))
        ) or any(c.isspace() or c in "<>\"'" for c in url):
            raise SettingsInvalid(
                f"Line {number}: '{url[:60]}' is not a link readers can follow: use a path "
                "like /about/ or a full https:// address."
            )
        links.append({"label": label, "url": url})
    if len(links) > MAX_NAV_LINKS:
        raise SettingsInvalid(f"Use at most {MAX_NAV_LINKS} navigation links.")
    return links


def blog_language_set(*, tenant: Tenant, language: str) -> None:
    """Set the blog's language (also its text search configuration) on the public Tenant row.

    The cached host route carries the language: it is invalidated now and again after commit
    (a request in between may have cached the old row).
    """
    if language not in Tenant.Language.values:
        raise SettingsInvalid(f"Unknown language '{language}': choose one from the list.")
    if tenant.language == language:
        return
    Tenant.objects.filter(id=tenant.id).update(language=language)
    tenant.language = language
    tenant_routing_invalidate(tenant)
    transaction.on_commit(lambda: tenant_routing_invalidate(tenant))
    blog_changed(schema=tenant.schema_name)
    _queue_search_rebuild(tenant.schema_name)


def _queue_search_rebuild(schema_name: str) -> None:
    """Vectors are built with the language's stemming: rebuild them all, in the blog's schema."""
    dispatch.search_rebuild(schema_name=schema_name)


def blog_settings_update(
    *,
    tenant: Tenant,
    title: str,
    tagline: str,
    description: str,
    language: str,
    theme: str,
    accent: str,
    posts_per_page: int,
    navigation: list[dict[str, str]],
    footer: str,
    base_version: str | None = None,
) -> BlogSettings:
    """Save the blog's settings (the current schema must be the tenant's). With
    `base_version` (`settings_version` of what the form showed), settings saved since are
    not overwritten: SettingsConflict names the fields saved differently."""
    if theme not in BlogSettings.Theme.values:
        raise SettingsInvalid("Choose the light or the dark theme.")
    if not _ACCENT.match(accent):
        raise SettingsInvalid("Write the accent colour as #rrggbb, for example #3559e0.")
    if not 1 <= posts_per_page <= 100:
        raise SettingsInvalid("Show between 1 and 100 posts per page.")
    texts = {
        name: text_clean(value).strip()
        for name, value in (
            ("title", title),
            ("tagline", tagline),
            ("description", description),
            ("footer", footer),
        )
    }
    for name, value in texts.items():
        if len(value) > TEXT_LIMITS[name]:
            raise SettingsInvalid(
                f"The {name} is {len(value)} characters long: the limit is "
                f"{TEXT_LIMITS[name]}; shorten it."
            )
    with transaction.atomic():
        settings = BlogSettings.objects.select_for_update().filter(id=1).first()
        if base_version is not None and settings_version(settings) != base_version:
            when = settings.updated_at.strftime("%H:%M:%S UTC")
            mine = texts | {"theme": theme, "accent": accent.lower(),
                            "posts_per_page": posts_per_page, "navigation": navigation}  # fmt: skip
            differ = [name for name, value in mine.items() if getattr(settings, name) != value]
            raise SettingsConflict(
                f"The settings were saved elsewhere at {when}, after you opened this page "
                f"(saved differently: {', '.join(differ) or 'nothing'}). Your values are in "
                "the form: save again to keep them."
            )
        settings = settings or BlogSettings(id=1)
        settings.title = texts["title"]
        settings.tagline = texts["tagline"]
        settings.description = texts["description"]
        settings.theme = theme
        settings.accent = accent.lower()
        settings.posts_per_page = posts_per_page
        settings.navigation = navigation
        settings.footer = texts["footer"]
        settings.save()
        blog_language_set(tenant=tenant, language=language)
        blog_changed(schema=tenant.schema_name)
    return settings
