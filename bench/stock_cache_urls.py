"""Stock django-tenants' ListView behind Django's `cache_page`: what a Django developer adds."""

from django.urls import path
from django.views.decorators.cache import cache_page

from bench.stock_urls import StockPostList

urlpatterns = [path("", cache_page(600)(StockPostList.as_view()))]
