"""Quire's settings, one module per concern. Production differs from development only by
environment variables (see README.md); each module reads its own.

Each module imports what it reads from the others (base holds the environment).
"""

from config.settings.accounts import *  # noqa: F403
from config.settings.apps import *  # noqa: F403
from config.settings.base import *  # noqa: F403
from config.settings.celery import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.email import *  # noqa: F403
from config.settings.features import *  # noqa: F403
from config.settings.observability import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.storage import *  # noqa: F403
from config.settings.tenants import *  # noqa: F403
