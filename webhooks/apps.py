from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The apps below send signals (they never import this one). Deferred: the receivers
        # import models, which load after this module.
        from webhooks import receivers

        receivers.connect()
