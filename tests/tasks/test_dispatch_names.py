"""Services queue work by task name (each app's `dispatch` module): every name must be a task
the worker has, or the work would be queued and never run."""

import importlib
import pathlib

import tasks  # noqa: F401 (registers every task, as the worker's `imports` does)
from config.celery import app as celery_app

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _names() -> dict[str, str]:
    names = {}
    for path in sorted(ROOT.glob("*/dispatch.py")):
        module = importlib.import_module(f"{path.parent.name}.dispatch")
        for attr, value in vars(module).items():
            if attr.isupper() and isinstance(value, str):
                names[f"{module.__name__}.{attr}"] = value
    return names


def test_every_dispatched_name_is_a_registered_task():
    names = _names()
    assert len(names) >= 10  # blog, audience, media, tenants, webhooks
    missing = {where: name for where, name in names.items() if name not in celery_app.tasks}
    assert missing == {}
