from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments and likes"

    def ready(self) -> None:
        # Deferred: the registrations import models, which load after this module.
        from comments import receivers  # noqa: F401 (blog's editor and export registries)
