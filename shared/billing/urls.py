"""Billing URLs on the root domain (under /billing/)."""

from django.urls import path

from shared.billing import views

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
