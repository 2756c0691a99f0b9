from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shared.accounts"
    label = "accounts"
    verbose_name = "People and memberships"
    default_auto_field = "django.db.models.BigAutoField"
