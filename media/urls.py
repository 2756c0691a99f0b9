from django.urls import path

from media import views

urlpatterns = [
    path("dashboard/media/", views.library, name="media_library"),
    path("dashboard/media/upload/", views.upload, name="media_upload"),
    path("dashboard/media/<int:pk>/", views.status, name="media_status"),
    path("dashboard/media/<int:pk>/delete/", views.delete, name="media_delete"),
    path("media/<path:key>", views.serve, name="media_serve"),
]
