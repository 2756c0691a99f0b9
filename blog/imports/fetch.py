"""Fetching a remote image named by an imported post, under lib.http's rules (SSRF): every
hop (the URL and each redirect) is checked and connected to its checked address. A timeout
per socket operation and one for the whole fetch, a size cap (from Content-Length and while
reading) and a few redirects at most.
"""

import http.client
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from lib.http import (
    BadAddress,
    NotPublic,
    Refused,
    address_allowed,
    pinned_connection,
    resolve_public,
    url_parts,
)

MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_BAD_ADDRESS = {
    "scheme": "not an http(s) address",
    "credentials": "addresses with a user name or password are not fetched",
    "port": "the address has a bad port",
}


class FetchRefused(Refused):
    """The image was not fetched; `message` says why (shown in the import's report)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str


def image_fetch(
    *, url: str, max_bytes: int, timeout: float, exempt: frozenset[str] = frozenset()
) -> Fetched:
    """GET `url` under the rules above. Raises FetchRefused with the reason. `exempt`: exact
    addresses allowed although private (QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES; tests only)."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        try:
            scheme, host, port, path = url_parts(url)
            ip = resolve_public(host, port, allowed=lambda ip: ip in exempt or address_allowed(ip))
        except BadAddress as exc:
            raise FetchRefused(_BAD_ADDRESS[exc.reason]) from exc
        except NotPublic as exc:
            raise FetchRefused(f"{exc.message}: not fetched") from exc
        except Refused as exc:  # the host could not be resolved
            raise FetchRefused(exc.message) from exc
        wait = max(0.1, min(timeout, deadline - time.monotonic()))
        conn = pinned_connection(scheme, host, port, ip=ip, timeout=wait)
        try:
            conn.request("GET", path, headers={"User-Agent": "Quire-import", "Accept": "image/*"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(f"the server answered {response.status} without a target")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"the server answered {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchRefused(f"the image is {int(length)} bytes; the limit is {max_bytes}")
            chunks, size = [], 0
            while chunk := response.read1(_CHUNK):  # one recv each: the deadline holds
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRefused(f"the image is over the limit of {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchRefused(f"the download took longer than {timeout:.0f} s")
                chunks.append(chunk)
            return Fetched(
                url=url, data=b"".join(chunks), content_type=response.getheader("Content-Type", "")
            )
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError | socket.timeout):
                raise FetchRefused(f"no answer within {timeout:.0f} s") from exc
            raise FetchRefused(f"the download failed ({exc.__class__.__name__})") from exc
        finally:
            conn.close()
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")
