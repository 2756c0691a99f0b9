"""Log lines carry time, level, logger, request id and tenant; JSON on request."""

import json
import logging
import subprocess
from pathlib import Path

from django.conf import settings

from config.logging import ContextFilter, JsonFormatter
from tests.conftest import host_client

ROOT = Path(__file__).resolve().parents[2]


class _Capture(logging.Handler):
    def __init__(self, formatter):
        super().__init__()
        self.lines: list[str] = []
        self.addFilter(ContextFilter())
        self.setFormatter(formatter)

    def emit(self, record):
        self.lines.append(self.format(record))


def _capture(formatter):
    handler = _Capture(formatter)
    logging.getLogger("django.request").addHandler(handler)
    return handler


def test_json_lines_have_request_id_and_tenant(tenant):
    handler = _capture(JsonFormatter())
    try:
        response = host_client(tenant).get("/no-such-page/")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response.status_code == 404
    line = json.loads(handler.lines[-1])
    assert set(line) >= {"time", "level", "logger", "request_id", "tenant", "message"}
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["tenant"] == tenant.subdomain
    assert line["request_id"] == response["X-Request-ID"]


def test_text_lines_and_the_proxy_request_id(tenant):
    fmt = settings.LOGGING["formatters"]["text"]["format"]
    handler = _capture(logging.Formatter(fmt))
    try:
        trusted = host_client(tenant).get("/nope/", HTTP_X_REQUEST_ID="caddy-req-123456")
        forged = host_client(tenant).get(
            "/nope/", HTTP_X_REQUEST_ID="forged-id-1234567", REMOTE_ADDR="203.0.113.9"
        )
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert trusted["X-Request-ID"] == "caddy-req-123456"
    assert "[req=caddy-req-123456 tenant=alpha]" in handler.lines[0]
    assert "WARNING django.request" in handler.lines[0]
    assert forged["X-Request-ID"] != "forged-id-1234567"


def test_sentry_dsn_without_the_package_is_a_clear_error(tmp_path):
    (tmp_path / "secret_key").write_text("x" * 50)
    result = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", f"QUIRE_LOCAL_DIR={tmp_path}",
         "SENTRY_DSN=https://key@sentry.invalid/1", "DJANGO_SETTINGS_MODULE=config.settings",
         ".venv/bin/python", "-c", "import django; django.setup()"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    # sentry-sdk is an optional extra, not in the dev set: the message says how to get it.
    assert result.returncode != 0
    assert "pip install '.[sentry]'" in result.stderr
