"""Real Varnish (varnish/quire.vcl, vmod xkey) started in front of a local server."""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.support.net import free_port

VCL = Path(__file__).resolve().parents[2] / "varnish" / "quire.vcl"


@contextlib.contextmanager
def varnish_in_front_of(backend_port: int = 0, *, vcl: str = "", port: int = 0):
    """varnishd with quire.vcl in front of `backend_port`, or with the given `vcl` (e.g.
    scripts/varnish_vcl.py's, several backends); on `port` or a free one. Yields its URL."""
    folder = tempfile.mkdtemp(prefix="quire-varnish-")
    os.chmod(folder, 0o755)  # varnishd's child runs as its own user
    if not vcl:
        vcl = re.sub(r'"8000";  # backend port', f'"{backend_port}";', VCL.read_text())
        assert str(backend_port) in vcl
    vcl_path = Path(folder) / "quire.vcl"
    vcl_path.write_text(vcl)
    vcl_path.chmod(0o644)
    port = port or free_port()
    log = open(Path(folder) / "log", "w")  # noqa: SIM115 (closed below)
    command = [shutil.which("varnishd") or "/usr/sbin/varnishd", "-F", "-n", f"{folder}/n"]
    command += ["-a", f"127.0.0.1:{port}", "-f", str(vcl_path), "-s", "malloc,32m", "-T", "none"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.request("PURGE", f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (Path(folder) / "log").read_text()
                assert time.monotonic() < deadline, "varnishd did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
