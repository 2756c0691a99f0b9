from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Membership changes are made in shared/accounts, which never imports the apps above
        # it: it sends a signal, and this receiver only queues the deliveries.
        from webhooks import receivers

        receivers.connect()
