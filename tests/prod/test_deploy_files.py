"""The image and the compose file: what can be checked without a Docker daemon.

The Dockerfile and docker-compose.yml are read as data; `caddy validate` checks the Caddyfile.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_refuses_to_start_without_a_secret_key_and_has_no_fixed_one():
    env = _compose()["x-app"]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", env["SECRET_KEY"])
    assert "change-me" not in (ROOT / "docker-compose.yml").read_text()


def test_every_long_running_service_has_a_health_check():
    services = _compose()["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name, service in services.items():
        if name == "migrate":  # a one-off job
            continue
        check = service.get("healthcheck")
        if check is None:
            # the app image's own HEALTHCHECK (web)
            assert service.get("build") == "." and "HEALTHCHECK" in dockerfile, name
        else:
            assert check.get("test") and not check.get("disable"), name
    assert {"web", "worker", "beat", "caddy", "postgres", "redis"} <= set(services)


def test_staff_password_is_not_kept_in_a_container_tmp():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "--staff-password-file" not in text and "/tmp" not in text


def test_image_is_multi_stage_non_root_and_copies_no_local_state():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "COPY . ." not in dockerfile.split("\nFROM ")[-1]  # nothing wholesale in runtime
    assert not re.search(r"^ENV .*SECRET_KEY", dockerfile, re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".local", ".venv", ".git"} <= set(ignored)


def test_caddyfile_is_valid(tmp_path):
    caddy = shutil.which("caddy") or "/usr/bin/caddy"
    for tls in ("internal", ""):
        result = subprocess.run(
            [caddy, "validate", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CADDY_TLS": tls,
                 "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
