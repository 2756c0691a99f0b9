"""A real DNS server for the tests: Debian's dnsmasq on a free high port, with the records a
test needs, authoritative for `.test` (anything else there is NXDOMAIN)."""

import shutil
import socket
import subprocess
import time

import dns.message
import dns.query
import pytest

from tests.support.net import free_port


class DnsServer:
    def __init__(self, *records: str, port: int | None = None):
        for _attempt in range(1 if port else 5):
            self.port = port or free_port(udp=True)  # dnsmasq listens on both
            if self._start(records):
                return
            # another process took the port between the check and dnsmasq's bind: again
        pytest.fail(f"dnsmasq could not listen on port {self.port}: address in use")

    def _start(self, records) -> bool:
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        self.proc = subprocess.Popen(
            [binary, "--keep-in-foreground", f"--port={self.port}",
             "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
             "--no-poll", "--conf-file=/dev/null", "--pid-file=", "--local=/test/",
             "--cache-size=0", *records],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        query = dns.message.make_query("ready.test.", "A")
        deadline = time.monotonic() + 10
        while True:
            try:
                dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.2)
                return True
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
                    self.stop()
                    if "Address already in use" in err:
                        return False
                    pytest.fail(f"dnsmasq did not start: {err}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


class BlackHole:
    """A UDP and TCP port that takes DNS queries and never answers: a resolver timeout."""

    def __init__(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]

    def stop(self) -> None:
        self.udp.close()
