from django.urls import path

from blog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/posts/new/", views.post_new, name="post_new"),
    path("dashboard/posts/<int:pk>/", views.post_edit, name="post_edit"),
    path("<slug:slug>/", views.post_detail, name="post_detail"),
]
