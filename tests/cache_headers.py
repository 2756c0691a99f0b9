"""What a cached copy of a page must say exactly as the page did: its security headers.

A cache layer that answers before the middleware that sets a header (the Redis page cache
answers right after host routing) or that stores a response without it (Varnish) would hand
readers a page without it. `security_headers` lists them; tests compare a miss's list with a
hit's."""

SECURITY_HEADERS = (
    "X-Frame-Options",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
    "Vary",
)
# On every page, https or not (HSTS only on https: checked where it applies).
REQUIRED = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Vary")


def security_headers(headers) -> dict[str, str]:
    """The security headers of a response (Django's or requests'), by name."""
    found = {name: headers[name] for name in SECURITY_HEADERS if name in headers}
    missing = [name for name in REQUIRED if name not in found]
    assert not missing, f"missing {missing} in {dict(headers)}"
    assert "cookie" in found["Vary"].lower(), found["Vary"]
    return found
