from django.apps import AppConfig


class SignupConfig(AppConfig):
    name = "shared.signup"
    label = "signup"
