"""The Celery app. Tasks live in tasks/; each carries its tenant's schema in its headers."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("quire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("tasks",)
