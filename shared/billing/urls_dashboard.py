"""Billing URLs on a blog's host (under /dashboard/billing/)."""

from django.urls import path

from shared.billing import views

urlpatterns = [
    path("", views.billing_page, name="billing"),
    path("checkout/", views.checkout_start, name="billing_checkout"),
    path("portal/", views.portal_start, name="billing_portal"),
]
