"""A real HTTP server (http.server in a thread, on 127.0.0.1) standing in for Akismet's API.

It answers the 1.1 calls the way Akismet documents them: `verify-key` "valid" or "invalid";
`comment-check` "true" (spam) when the content contains "viagra" or the author is "spammer",
else "false", and "invalid" for a key other than `KEY`; `submit-spam` / `submit-ham` thank
you. A call without `blog` (or, but for `verify-key`, `user_ip`) gets Akismet's "Missing
required field" answer. It records every request's form fields; `delay` (seconds before
answering), `status` (an error status for every answer) and `answer` (one text for every
call) stand in for a slow, failing or changed service.
"""

import http.server
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from tests.support.net import free_port

KEY = "akismet-test-key"
THANKS = "Thanks for making the web a better place."
ANSWERED = ("/1.1/verify-key", "/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham")


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


def _is_spam(form: dict[str, str]) -> bool:
    return "viagra" in form.get("comment_content", "").lower() or (
        form.get("comment_author") == "spammer"
    )


@dataclass
class FakeAkismet:
    calls: list[Call] = field(default_factory=list)
    delay: float = 0.0
    status: int = 200
    answer: str | None = None  # set: every call gets this text (an answer Akismet never gives)

    def start(self) -> "FakeAkismet":
        fake = self
        self._stopping = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                fake.calls.append(Call(self.path, dict(self.headers), form))
                if fake.delay and fake._stopping.wait(fake.delay):
                    return
                if fake.status != 200:
                    return self._answer("busy", status=fake.status)
                if fake.answer is not None:
                    return self._answer(fake.answer)
                if self.path not in ANSWERED:
                    return self._answer("Not found", status=404)
                self._answer(*fake._reply(self.path, form))

            def _answer(self, text: str, headers: dict | None = None, *, status: int = 200):
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def _reply(self, path: str, form: dict[str, str]) -> tuple[str, dict]:
        if path == "/1.1/verify-key":
            if "blog" not in form:
                return "Missing required field: blog.", {}
            if form.get("key") == KEY:
                return "valid", {}
            return "invalid", {"X-akismet-debug-help": "We were unable to parse your key."}
        for required in ("blog", "user_ip"):
            if required not in form:
                return f"Missing required field: {required}.", {}
        if form.get("api_key") != KEY:
            return "invalid", {"X-akismet-debug-help": 'Empty "api_key" value'}
        if path == "/1.1/comment-check":
            return ("true" if _is_spam(form) else "false"), {}
        return THANKS, {}

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def at(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]
