"""The image and the compose file: what can be checked without a Docker daemon.

The Dockerfile and docker-compose.yml are read as data; `caddy validate` checks the Caddyfile.
"""

import importlib.util
import json
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
    for tls, log in (("internal", "on"), ("", "on"), ("internal", "off")):
        result = subprocess.run(
            [caddy, "validate", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CADDY_TLS": tls,
                 "CADDY_ACCESS_LOG": log,
                 "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]


def _caddy_json(tmp_path, **env) -> dict:
    """The Caddyfile as Caddy reads it (`caddy adapt`), with these environment variables."""
    caddy = shutil.which("caddy") or "/usr/bin/caddy"
    result = subprocess.run(
        [caddy, "adapt", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
             "XDG_CONFIG_HOME": str(tmp_path), "CADDY_TLS": "internal", **env},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def _handlers(node):
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from _handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _handlers(value)


def test_caddy_keeps_upstream_connections_and_gunicorn_outlasts_them(tmp_path):
    """Caddy reuses connections to gunicorn/Varnish: with Go's default of 2 idle connections
    per upstream, every response beyond 2 in flight would close one (bench/https.py)."""
    config = _caddy_json(tmp_path)
    (proxy,) = [h for h in _handlers(config) if h["handler"] == "reverse_proxy"]
    keep_alive = proxy["transport"]["keep_alive"]
    assert keep_alive["max_idle_conns_per_host"] >= 32
    idle_seconds = keep_alive["idle_timeout"] / 1e9
    assert idle_seconds < 5  # Varnish's timeout_idle: the upstream must not close it first
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "config/gunicorn.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.worker_class == "gthread" and conf.keepalive > idle_seconds
    assert conf.accesslog is None  # Caddy's access log is the one
    cmd = re.search(r"^CMD (.+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert json.loads(cmd)[:3] == ["gunicorn", "-c", "config/gunicorn.py"]


def test_caddy_access_log_is_off_by_default_and_can_be_turned_on(tmp_path):
    on = _caddy_json(tmp_path, CADDY_ACCESS_LOG="on")
    off = _caddy_json(tmp_path, CADDY_ACCESS_LOG="off")
    default = _caddy_json(tmp_path)  # no reader's address in a log unless the operator asks
    assert not default["apps"]["http"]["servers"]["srv0"].get("logs")
    assert on["apps"]["http"]["servers"]["srv0"].get("logs")
    assert not off["apps"]["http"]["servers"]["srv0"].get("logs")
    assert "access_log" not in json.dumps(off)  # no stray snippet names
    caddy = _compose()["services"]["caddy"]["environment"]
    assert caddy["GOMAXPROCS"] == "${CADDY_GOMAXPROCS:-1}" and int(caddy["GOGC"]) > 100
