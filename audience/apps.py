from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "audience"
    verbose_name = "Subscribers and newsletters"

    def ready(self) -> None:
        # Deferred: the registrations import models, which load after this module.
        from audience import receivers  # noqa: F401 (fills blog's editor and export registries)
