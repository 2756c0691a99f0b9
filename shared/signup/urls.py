from django.urls import path

from shared.signup import views

urlpatterns = [path("", views.signup_moved, name="signup")]
