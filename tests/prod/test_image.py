"""The image's runtime file tree, rebuilt from the Dockerfile's own lines, starts Django.

No image can be built here (no Docker daemon, and no registry to pull `python:3.11-slim`
from), so the runtime stage's `COPY --from=build` and `ENV` lines are read and carried out on
a temporary folder, and `manage.py check --deploy` runs there with the virtualenv's packages
but not this checkout: an app left out of the image fails here as it would at the image's
start. The lock files are checked against pyproject.toml too.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def _runtime_stage() -> list[str]:
    """The runtime stage's instructions, one per line (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().split("\nFROM ")[-1]
    text = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _env(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        if line.startswith("ENV "):
            for name, value in re.findall(r"(\w+)=(\S+)", line[4:]):
                found[name] = value
    return found


def runtime_tree(target: Path) -> Path:
    """The image's /app, made in `target` from the runtime stage's COPY lines."""
    lines = _runtime_stage()
    workdir = next(line.split()[1] for line in lines if line.startswith("WORKDIR "))
    for line in lines:
        if not line.startswith("COPY --from=build "):
            continue
        *sources, dest = line.split()[2:]
        if not dest.startswith("/"):
            dest = f"{workdir}/{dest}"
        if dest.startswith("/venv"):
            continue  # the virtualenv: this test runs with this one's packages
        assert dest.startswith(workdir), line
        out = target / dest[len(workdir) :].strip("./")
        for source in sources:
            assert source.startswith("/src/"), line
            src = ROOT / source.removeprefix("/src/")
            if src.name == "staticfiles":  # made by collectstatic in the build stage
                (target / "staticfiles").mkdir(parents=True, exist_ok=True)
            elif src.is_dir():
                shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                where = out / src.name if dest.endswith("/") else out
                where.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, where)
    return target


_START = """
import os, sys
app, site_packages = sys.argv[1], sys.argv[2]
sys.path[:] = [app] + [p for p in sys.path if p.endswith(".zip") or "lib-dynload" in p
                       or p.endswith("python3.11")] + [site_packages]
os.chdir(app)
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "ERROR"])
import django.apps
outside = [c.name for c in django.apps.apps.get_app_configs()
           if not (c.path.startswith(app) or c.path.startswith(site_packages))]
print("APPS FROM ELSEWHERE:", outside)
"""


def _start(app: Path) -> subprocess.CompletedProcess:
    image_env = _env(_runtime_stage())
    image_env.pop("PATH", None)
    env = {
        "PATH": os.environ["PATH"],
        **image_env,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "QUIRE_HTTPS": "1",
        "DATABASE_URL": "postgres://quire@127.0.0.1:5432/quire",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    site_packages = sysconfig.get_paths()["purelib"]
    # -S: no .pth files, so not the editable install's finder that points at this checkout.
    return subprocess.run(
        [sys.executable, "-S", "-c", _START, str(app), site_packages],
        env=env, capture_output=True, text=True, timeout=120, cwd=app,
    )  # fmt: skip


def test_django_starts_on_the_images_runtime_tree(tmp_path):
    app = runtime_tree(tmp_path / "app")
    result = _start(app)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "APPS FROM ELSEWHERE: []" in result.stdout, result.stdout[-2000:]


def test_an_app_left_out_of_the_image_fails_the_start(tmp_path):
    app = runtime_tree(tmp_path / "app")
    shutil.rmtree(app / "webhooks")
    result = _start(app)
    assert result.returncode != 0
    assert "webhooks" in result.stderr


def _local_apps() -> set[str]:
    return {
        name.split(".")[0]
        for name in settings.INSTALLED_APPS
        if (ROOT / name.split(".")[0] / "__init__.py").exists()
    }


def test_the_package_list_holds_every_app():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    packages = set(find_packages(str(ROOT), include=patterns))
    assert _local_apps() <= packages
    assert {"config", "tasks"} <= packages


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        found = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", line.strip())
        if found:
            pins[found.group(1).lower().replace("_", "-").replace(".", "-")] = found.group(2)
    return pins


@pytest.mark.parametrize(
    "lock, extras",
    [("prod.lock", ["sentry"]), ("dev.lock", ["dev"])],
)
def test_the_lock_files_hold_what_pyproject_pins_with_hashes(lock, extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins(
        project["dependencies"] + [d for e in extras for d in project["optional-dependencies"][e]]
    )
    text = (ROOT / "requirements" / lock).read_text()
    locked = _pins(text.splitlines())
    drift = {name: (v, locked.get(name)) for name, v in wanted.items() if locked.get(name) != v}
    assert not drift, f"requirements/{lock} is behind pyproject.toml (run `make lock`): {drift}"
    # every package has its hashes (pip --require-hashes refuses the file otherwise)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[-1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)
    for name in ("setuptools", "wheel"):  # what builds Quire itself, locked too
        assert name in locked


def test_the_image_and_the_bootstrap_install_from_the_locks():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/prod.lock" in dockerfile
    assert "--no-deps --no-build-isolation ." in dockerfile
    bootstrap = (ROOT / "scripts" / "dev.sh").read_text()
    assert "--require-hashes -r requirements/dev.lock" in bootstrap
