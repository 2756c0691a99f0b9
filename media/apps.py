from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = "Media"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deferred: the receivers import models, which load after this module.
        from media import receivers  # noqa: F401 (connects tenants' signals)
