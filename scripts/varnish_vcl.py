"""Print varnish/quire.vcl for several web hosts behind one Varnish.

    python scripts/varnish_vcl.py 10.0.0.5:8000 10.0.0.6:8000 > /etc/varnish/quire.vcl

Each HOST:PORT becomes a backend (web1, web2, ...) with a `/healthz` probe (a host whose
database or Redis is unreachable, or that is down, is skipped until it answers again), all in
the round-robin director `web` that quire.vcl sends every fetch to. Any host serves any blog
(ARCHITECTURE.md, "Past one machine"). Standard library only: it runs where Varnish runs.
"""

import re
import sys
from pathlib import Path

VCL = Path(__file__).resolve().parents[1] / "varnish" / "quire.vcl"

BACKEND = """backend web{n} {{
    .host = "{host}";
    .port = "{port}";
    .first_byte_timeout = 60s;
    .probe = {{
        .url = "/healthz";
        .timeout = 1s;
        .interval = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }}
}}"""


def render(hosts: list[str], template: str | None = None) -> str:
    vcl = VCL.read_text() if template is None else template
    backends, adds = [], []
    for n, address in enumerate(hosts, start=1):
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"not HOST:PORT: {address!r}")
        backends.append(BACKEND.format(n=n, host=host.strip("[]"), port=port))
        adds.append(f"    web.add_backend(web{n});")
    vcl, found = re.subn(
        r"backend default \{.*?\n\}", "\n\n".join(backends), vcl, count=1, flags=re.S
    )
    if not found:
        raise ValueError("quire.vcl has no `backend default { ... }` block")
    vcl, found = re.subn(r"    web\.add_backend\(default\);  # backends", "\n".join(adds), vcl)
    if not found:
        raise ValueError("quire.vcl has no `web.add_backend(default);  # backends` line")
    return vcl


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        sys.stdout.write(render(argv))
    except ValueError as exc:
        print(f"varnish_vcl: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
