from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.webhooks_page, name="webhooks_dashboard"),
    path("<int:pk>/", views.endpoint_log, name="webhooks_endpoint"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhooks_endpoint_delete"),
    path("<int:pk>/enable/", views.endpoint_enable, name="webhooks_endpoint_enable"),
    path("<int:pk>/test/", views.endpoint_test, name="webhooks_endpoint_test"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="webhooks_delivery"),
]
