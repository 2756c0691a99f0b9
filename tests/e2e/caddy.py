"""A real Caddy (Debian's package) with its internal CA and on-demand TLS, in front of the
live test server, started from the repository's Caddyfile."""

import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]


class Caddy:
    def __init__(self, upstream: str, workdir: Path):
        binary = shutil.which("caddy") or "/usr/bin/caddy"
        self.https_port, self.http_port = free_port(), free_port()
        self.workdir = workdir
        self.log = workdir / "caddy.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "XDG_DATA_HOME": str(workdir / "data"),
            "XDG_CONFIG_HOME": str(workdir / "config"),
            "QUIRE_UPSTREAM": upstream,
            "CADDY_TLS": "internal",
            "CADDY_HTTPS_PORT": str(self.https_port),
            "CADDY_HTTP_PORT": str(self.http_port),
        }
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [binary, "run", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"Caddy did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)

    def certificate_for(self, hostname: str) -> list[str]:
        """The names in the certificate Caddy presents for `hostname` (SNI), verified against
        Caddy's internal root CA; raises ssl.SSLError when Caddy refuses the handshake."""
        context = ssl.create_default_context(cafile=str(self.root_ca))
        with socket.create_connection(("127.0.0.1", self.https_port), timeout=10) as sock:
            with context.wrap_socket(sock, server_hostname=hostname) as tls:
                cert = tls.getpeercert()
        return [value for kind, value in cert["subjectAltName"] if kind == "DNS"]

    @property
    def root_ca(self) -> Path:
        return self.workdir / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
