from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deferred: the receivers import models, which load after this module.
        from blog import receivers  # noqa: F401 (connects tenants' and media's signals)
