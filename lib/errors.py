"""One base error for services, mapped once to a message and an HTTP status.

A service raises a subclass of `ApplicationError` when a person asked for something that
cannot be done (a plan limit, a taken subdomain, invalid input). Views that show the message
in a form catch it there; anything a view does not catch reaches
`ApplicationErrorMiddleware`, which answers with the message and the error's `status_code`
(never a 500). Programming errors stay ordinary exceptions.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class ApplicationError(Exception):
    """`message` is shown to the person; `extra` carries details for the caller (links...)."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotAllowed(ApplicationError):
    status_code = 403


class Conflict(ApplicationError):
    """The request clashes with the current state (taken, already done, too late)."""

    status_code = 409


class Unavailable(ApplicationError):
    """A service this needs is not set up or did not answer."""

    status_code = 503


def error_message(request: HttpRequest, exc: ApplicationError, *, prefix: str = "") -> None:
    """Show the error as a flash message (admin actions and redirecting views)."""
    messages.error(request, f"{prefix}{exc.message}")


def error_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """The page for an error no view handled: its message and status code."""
    return render(
        request, "error.html", {"message": exc.message, "extra": exc.extra}, status=exc.status_code
    )


class ApplicationErrorMiddleware:
    """Maps an `ApplicationError` a view let through to `error_response`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApplicationError):
            return error_response(request, exception)
        return None
