from django.apps import AppConfig
from django.core import checks


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(fleet_django_version_check)
        # Deferred, like the checks' import below: these modules import models, which load
        # after this module.
        from tenants.recycling import connect_signals

        connect_signals()


def fleet_django_version_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """At startup (runserver, migrate, check): the fleet's fast path was verified on this
    Django, or the process refuses to start."""
    from tenants.fleet import django_version_problem

    problem = django_version_problem()
    return [checks.Critical(problem, id="tenants.E001")] if problem else []
