from django.urls import path

from shared.signup import views

urlpatterns = [path("", views.signup, name="signup")]
