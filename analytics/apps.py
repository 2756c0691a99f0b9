from pathlib import Path

from django.apps import AppConfig
from django.core import checks


class AnalyticsConfig(AppConfig):
    name = "analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deferred: the receivers import models, which load after this module.
        from analytics import receivers  # noqa: F401 (connects tenants' signals)

        checks.register(geoip_check)


def geoip_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:  # noqa: ANN001
    """A GeoIP database named but unusable stops startup, rather than every count failing."""
    from django.conf import settings
    from django.contrib.gis.geoip2 import HAS_GEOIP2

    path = settings.QUIRE_GEOIP_PATH
    if not path:
        return []
    if not HAS_GEOIP2:
        return [
            checks.Error(
                "QUIRE_GEOIP_PATH is set but the geoip2 package is missing.",
                hint="pip install '.[geoip]', or unset QUIRE_GEOIP_PATH.",
                id="analytics.E001",
            )
        ]
    if not Path(path).is_file():
        return [
            checks.Error(
                f"QUIRE_GEOIP_PATH names no file: {path}",
                hint="Point it at a GeoLite2-Country.mmdb (or City) file.",
                id="analytics.E002",
            )
        ]
    return []
