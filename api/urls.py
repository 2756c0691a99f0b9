"""URL patterns of both APIs, built once (a NinjaAPI's `urls` may be read only once) and
included by `config/urls_tenant.py` (both) and `config/urls_custom.py` (Content API only)."""

from django.urls import path

from api import admin_api, content

content_urls = path("api/content/v1/", content.api.urls)
admin_urls = path("api/admin/v1/", admin_api.api.urls)
