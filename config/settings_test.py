"""Settings for the test suite: production settings (config/settings/) with a fast password
hasher. Outside the settings package on purpose: it sets the per-worker Redis databases in
the environment before any settings module reads it.

PBKDF2 at its production cost is most of the suite's time; tests need hashes, not slow ones.
`tests/accounts/test_password_hashing.py` proves `config.settings` keeps the real hasher.
The test database's name comes from `QUIRE_TEST_DATABASE` (set per run by scripts/dev.sh), so
two `make test` runs on one machine never share a database. Under pytest-xdist each worker
process (`PYTEST_XDIST_WORKER`, gw0, gw1, ...) has its own database (pytest-django adds the
`_gwN` suffix) and its own two Redis databases: worker N takes the run's cache and broker
database numbers plus 2N. The result is written back into the environment, so the Celery
workers and commands a test starts use the same ones.
"""

import os
import re


def _worker_redis(url: str, offset: int) -> str:
    found = re.search(r"/(\d+)/?$", url)
    db = int(found.group(1)) if found else 0
    return f"{url[: found.start()] if found else url.rstrip('/')}/{db + offset}"


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.pop("QUIRE_TEST_REDIS_PER_WORKER", "") == "1":
    for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ.get(_name):
            os.environ[_name] = _worker_redis(os.environ[_name], 2 * int(_worker[2:]))

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_test_name = env("QUIRE_TEST_DATABASE", default="")
if _test_name:
    DATABASES["default"]["TEST"] = {"NAME": _test_name}

# Uploaded files of this run (the test process and its Celery workers compute the same
# folder), apart from `make run`'s and from other runs'.
from config.settings import BASE_DIR, STORAGES  # noqa: E402

MEDIA_ROOT = (
    BASE_DIR / ".local" / f"test-media-{_test_name or 'default'}{_worker and '_' + _worker}"
)
if STORAGES["media"]["BACKEND"].endswith("FileSystemStorage"):
    STORAGES["media"]["OPTIONS"]["location"] = MEDIA_ROOT

# Webhook tests run their receiver on loopback and want retries within a second (the
# production schedule is checked by its own test).
QUIRE_WEBHOOK_ALLOW_LOOPBACK = True
QUIRE_WEBHOOK_RETRY_SECONDS = [0.5, 0.5]
QUIRE_WEBHOOK_TIMEOUT = 3.0

# No test reaches the real Akismet: a test that wants one starts tests/support/akismet.py.
QUIRE_AKISMET_URL = "http://127.0.0.1:9"
