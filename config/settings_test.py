"""Settings for the test suite: production settings with a fast password hasher.

PBKDF2 at its production cost is most of the suite's time; tests need hashes, not slow ones.
`tests/accounts/test_password_hashing.py` proves `config.settings` keeps the real hasher.
The test database's name comes from `QUIRE_TEST_DATABASE` (set per run by scripts/dev.sh), so
two `make test` runs on one machine never share a database.
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_test_name = env("QUIRE_TEST_DATABASE", default="")
if _test_name:
    DATABASES["default"]["TEST"] = {"NAME": _test_name}

# Uploaded files of this run (the test process and its Celery workers compute the same
# folder), apart from `make run`'s and from other runs'.
from config.settings import BASE_DIR, STORAGES  # noqa: E402

MEDIA_ROOT = BASE_DIR / ".local" / f"test-media-{_test_name or 'default'}"
if STORAGES["media"]["BACKEND"].endswith("FileSystemStorage"):
    STORAGES["media"]["OPTIONS"]["location"] = MEDIA_ROOT

# Webhook tests run their receiver on loopback and want retries within a second (the
# production schedule is checked by its own test).
QUIRE_WEBHOOK_ALLOW_LOOPBACK = True
QUIRE_WEBHOOK_RETRY_SECONDS = [0.5, 0.5]
QUIRE_WEBHOOK_TIMEOUT = 3.0
