#!/usr/bin/env bash
# Write the lock files from pyproject.toml (and requirements/build.in): every package, direct
# and transitive, at one version with its hashes. `make lock` after changing a dependency;
# the bootstrap (scripts/dev.sh) and the image (Dockerfile) install from them with
# --require-hashes. tests/prod/test_lock.py fails when they fall behind pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 -q)
# The image: what runs in production (and Sentry's SDK), with the build tools.
"$UV" pip compile pyproject.toml requirements/build.in --extra sentry "${common[@]}" \
  --custom-compile-command "make lock" -o requirements/prod.lock
# Development and CI: the test tools too; not Sentry's SDK or GeoIP (optional extras: tests
# check what happens without them).
"$UV" pip compile pyproject.toml requirements/build.in --extra dev \
  "${common[@]}" --custom-compile-command "make lock" -o requirements/dev.lock
echo "wrote requirements/prod.lock and requirements/dev.lock"
