from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "memberships"
    verbose_name = "Paid memberships"

    def ready(self) -> None:
        # Deferred: the registrations import models, which load after this module.
        from memberships import receivers  # noqa: F401 (blog's tier choices, newsletters)
