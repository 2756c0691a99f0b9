"""A real HTTP server (http.server in a thread) standing in for a webhook's receiver.

It verifies every request's signature as docs/webhooks.md tells receivers to, and records
what came. Paths choose the answer: `/ok`, `/flaky` (503 the first time, then 200),
`/down` (always 503), `/redirect` (302 to /ok), `/huge` (a 20 MB answer).
"""

import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field

HUGE = 20 * 1024 * 1024


def signature_valid(*, secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as documented: HMAC-SHA256 over "{t}.{body}", compared in
    constant time, and a timestamp within `tolerance` seconds (replays)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)  # path -> the endpoint's secret
    requests: list[Received] = field(default_factory=list)
    huge_sent: list[int] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self
        seen: dict[str, int] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                seen[self.path] = seen.get(self.path, 0) + 1
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.end_headers()
                elif self.path == "/huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(HUGE))
                    self.end_headers()
                    sent = 0
                    try:
                        while sent < HUGE:
                            self.wfile.write(b"x" * 65536)
                            sent += 65536
                    except OSError:
                        pass
                    receiver.huge_sent.append(sent)
                elif self.path == "/down" or (self.path == "/flaky" and seen[self.path] == 1):
                    self._answer(503, b"busy")
                else:
                    self._answer(200, b"thanks")

            def _answer(self, status: int, text: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def verified(self, path: str) -> list[Received]:
        """Requests to `path`, each asserted to carry a valid signature."""
        got = self.at(path)
        for r in got:
            assert signature_valid(
                secret=self.secrets[path], header=r.headers["Quire-Signature"], body=r.body
            ), r.headers
        return got
