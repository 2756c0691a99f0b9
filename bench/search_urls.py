"""Blog URLs plus the two comparison paths of bench/search."""

from django.urls import include, path

from bench import search_paths

urlpatterns = [
    path("search-old/", search_paths.search_old),
    path("search-rum/", search_paths.search_rum),
    path("", include("config.urls_tenant")),
]
