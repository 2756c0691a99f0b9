"""Settings for benchmarks: the project's settings plus, when QUIRE_BENCH_APP=1, a tenant app
whose migrations live in a temporary module the bench script writes."""

import os

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, TENANT_APPS

if os.environ.get("QUIRE_BENCH_APP") == "1":
    TENANT_APPS = [*TENANT_APPS, "bench.benchapp"]
    INSTALLED_APPS = [*INSTALLED_APPS, "bench.benchapp"]
    MIGRATION_MODULES = {"benchapp": "benchapp_migrations"}

# Quiet: the benches print their own figures.
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
TENANT_MULTIPROCESSING_MAX_PROCESSES = 2  # both executors get the machine's 2 cores
