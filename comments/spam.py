"""The Akismet spam check of a comment, and a moderator's verdict reported back to Akismet.

A blog whose owner gave an Akismet key has each comment that would be published checked
first (the spam-check task, which retries `SpamCheckUnavailable`). No answer is ever read as
"not spam": a network failure, a timeout, an error status, an answer Akismet does not document
or a refused key all raise `SpamCheckUnavailable`.

Calls go to `QUIRE_AKISMET_URL` (Akismet's API; tests point it at a local stand-in). The
`akismet` client builds every URL from a fixed `https://rest.akismet.com` and has no setting
for it; what it offers for changing its HTTP behaviour is an `httpx.Client` of our own
(`http_client`), so ours carries a transport that sends each request to the same path under
`QUIRE_AKISMET_URL`. That address is the operator's, never one a person on a blog chose, so
these calls do not go through `lib.http`'s SSRF guard; the blog's URL and the permalink are
only sent as form fields.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from functools import lru_cache

import akismet
import httpx
from django.conf import settings

from comments.models import Comment
from lib.errors import Unavailable

RULES_PAGE = "Dashboard → Comments → Rules"


class SpamCheckUnavailable(Unavailable):
    """Akismet gave no verdict; try again later (never publish the comment as checked)."""


class AkismetKeyInvalid(SpamCheckUnavailable):
    """Akismet refused the blog's key: retrying will not help until the owner changes it."""

    def __init__(self, blog_url: str):
        super().__init__(
            f"Akismet refused the key for {blog_url}: check the Akismet key in {RULES_PAGE} "
            "(copy it again from your Akismet account, or clear it to stop the spam check)."
        )


class _AkismetTransport(httpx.HTTPTransport):
    """Sends each request, which the client addresses to Akismet's own host, to the same path
    under `base`."""

    def __init__(self, base: str):
        super().__init__()
        self._base = httpx.URL(base)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        base = self._base
        request.url = request.url.copy_with(
            scheme=base.scheme,
            host=base.host,
            port=base.port,
            path=base.path.rstrip("/") + request.url.path,
        )
        request.headers["Host"] = base.netloc.decode("ascii")
        return super().handle_request(request)


def _unanswered(cause: BaseException | None) -> str:
    """Why Akismet gave no answer, from the HTTP client's error the library wraps."""
    if isinstance(cause, httpx.TimeoutException):
        why = f"no answer within {settings.QUIRE_AKISMET_TIMEOUT:g} s"
    elif isinstance(cause, httpx.HTTPStatusError):
        why = f"it answered with HTTP status {cause.response.status_code}"
    else:
        why = f"it could not be reached: {cause or 'no reason given'}"
    return f"Akismet is unavailable ({why}); try again later."


@lru_cache(maxsize=4)
def _http(base: str, timeout: float) -> httpx.Client:
    """One HTTP client per process (and address): its connections and TLS context are reused
    from check to check, which a new client per check pays for again each time."""
    return httpx.Client(
        headers={"User-Agent": akismet.USER_AGENT},
        timeout=timeout,
        transport=_AkismetTransport(base),
    )


@contextmanager
def _akismet(*, key: str, blog_url: str) -> Iterator[akismet.SyncClient]:
    """A client for the blog's key, its library's errors turned into ours."""
    http = _http(settings.QUIRE_AKISMET_URL, settings.QUIRE_AKISMET_TIMEOUT)
    try:
        yield akismet.SyncClient(config=akismet.Config(key=key, url=blog_url), http_client=http)
    except akismet.APIKeyError as exc:
        raise AkismetKeyInvalid(blog_url) from exc
    except akismet.RequestError as exc:  # unreachable, timed out, an error status
        raise SpamCheckUnavailable(_unanswered(exc.__cause__)) from exc
    except akismet.ProtocolError as exc:
        raise SpamCheckUnavailable("Akismet gave an answer it does not document.") from exc


def _fields(*, comment: Comment, permalink: str) -> dict[str, str]:
    """What Akismet is told about a comment: the same for the check and for the reports."""
    fields = {
        "comment_type": "comment",
        "comment_author": comment.author_name,
        "comment_author_email": comment.author_email,
        "comment_author_url": comment.author_url,
        "comment_content": comment.body,
        "comment_date_gmt": comment.created_at.astimezone(UTC).isoformat(),
        "permalink": permalink,
        "user_agent": comment.user_agent,
        "blog_charset": "UTF-8",
    }
    return {name: value for name, value in fields.items() if value}


def akismet_verdict(*, key: str, blog_url: str, comment: Comment, permalink: str) -> bool:
    """True when Akismet calls the comment spam (its "discard" too), False when not;
    `SpamCheckUnavailable` (or its `AkismetKeyInvalid`) when it gave no verdict."""
    with _akismet(key=key, blog_url=blog_url) as client:
        answer = client.comment_check(
            comment.ip or "", **_fields(comment=comment, permalink=permalink)
        )
    return answer != akismet.CheckResponse.HAM


def akismet_report(
    *, key: str, blog_url: str, comment: Comment, permalink: str, spam: bool
) -> None:
    """Tell Akismet a moderator's verdict: spam it missed (submit-spam) or a comment it was
    wrong to call spam (submit-ham). `SpamCheckUnavailable` when it was not told."""
    with _akismet(key=key, blog_url=blog_url) as client:
        submit = client.submit_spam if spam else client.submit_ham
        submit(comment.ip or "", **_fields(comment=comment, permalink=permalink))


def akismet_key_valid(*, key: str, blog_url: str) -> bool:
    """Whether Akismet accepts the key for the blog (the rules form can say so at once);
    `SpamCheckUnavailable` when Akismet did not answer."""
    with _akismet(key=key, blog_url=blog_url) as client:
        return client.verify_key()
