"""Two-factor authentication (allauth.mfa) and the rule that staff use it.

`StaffMFARequiredMiddleware` guards the staff console (Django's admin on the root domain):
a staff member without an authenticator (TOTP or a security key/passkey) is sent to
`/accounts/2fa/` to set one up; one whose session was not confirmed with it is sent to
allauth's MFA reauthentication. Nothing in the console runs before that.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # One relying party for the platform: a passkey made on the root domain also works
        # on every blog host under it (WebAuthn allows a registrable suffix of the origin).
        return {"id": settings.PLATFORM_DOMAIN, "name": "Quire"}


def session_used_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class StaffMFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.prefix = settings.QUIRE_CONSOLE_PREFIX

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(request, "tenant", "blog") is None  # the root domain
            and request.path.startswith(self.prefix)
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            if not is_mfa_enabled(request.user, types=SECOND_FACTORS):
                messages.warning(
                    request,
                    "Staff accounts need two-factor authentication: set up an authenticator "
                    "app (or a security key) before using the console.",
                )
                return redirect("mfa_index")
            if not session_used_mfa(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"/accounts/2fa/reauthenticate/?{query}")
        return self.get_response(request)
