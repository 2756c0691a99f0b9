"""TOTP for tests: codes computed here from the secret (RFC 6238), as an authenticator app
would; and a staff login through allauth with its second factor."""

import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.conftest import host_client
from tests.factories import PASSWORD


def totp_code(secret: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def fresh_code_window(margin: float = 3.0) -> None:
    """Codes live 30 s: near the end of a window, wait for the next one, so a slow request
    on a busy machine does not carry the code past its window."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)


def totp_enrol(user) -> str:
    """Give `user` an authenticator app (what /accounts/2fa/totp/activate/ does); its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def mfa_login(user, secret: str, host: str = "localhost"):
    """Log in with password, then the TOTP code: a session that used two factors."""
    client = host_client(host)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    fresh_code_window()
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content[:300]
    return client
