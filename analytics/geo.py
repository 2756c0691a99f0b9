"""Countries from a GeoIP2 / GeoLite2 Country (or City) database, when one is configured.

Optional: set `QUIRE_GEOIP_PATH` to the `.mmdb` file and install the `geoip` extra
(`pip install '.[geoip]'`, the `geoip2` package behind `django.contrib.gis.geoip2`). Without
them no country is recorded and the dashboard leaves the countries table out.
"""

import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def _geoip(path: str):  # noqa: ANN202 (django.contrib.gis.geoip2.GeoIP2, optional)
    from django.contrib.gis.geoip2 import HAS_GEOIP2

    if not HAS_GEOIP2:
        raise ImproperlyConfigured(
            "QUIRE_GEOIP_PATH is set but the geoip2 package is missing: pip install '.[geoip]'"
        )
    from django.contrib.gis.geoip2 import GeoIP2

    return GeoIP2(path)


def country_of(ip: str) -> str:
    """The ISO country code of an address, or "" (no database, or an address it lacks)."""
    path = settings.QUIRE_GEOIP_PATH
    if not path or not ip:
        return ""
    try:
        code = _geoip(path).country_code(ip)
    except ImproperlyConfigured:
        raise
    except Exception:  # geoip2's AddressNotFoundError (private ranges), malformed addresses
        return ""
    return (code or "")[:2].upper()
