"""Two-factor with allauth.mfa: TOTP and recovery codes for everyone; required for staff
before any console action."""

import pytest
from allauth.mfa.models import Authenticator

from tenants.models import Tenant
from tests.accounts.mfa_helpers import fresh_code_window, mfa_login, totp_code, totp_enrol
from tests.conftest import host_client
from tests.factories import PASSWORD, UserFactory
from tests.support.logins import root_login

pytestmark = pytest.mark.django_db


def test_staff_without_two_factor_cannot_use_the_console(make_blog):
    alpha = make_blog("alpha")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = root_login(staff)
    for path in ("/admin/", "/admin/tenants/tenant/", f"/admin/tenants/tenant/{alpha.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/", path
    # A console action is refused too: the blog is not suspended.
    client.post(
        "/admin/tenants/tenant/",
        {"action": "suspend", "_selected_action": [alpha.pk], "reason": "spam"},
    )
    assert Tenant.objects.get(pk=alpha.pk).status == Tenant.Status.ACTIVE
    page = client.get("/accounts/2fa/", follow=True).content.decode()
    assert "two-factor authentication" in page


def test_staff_with_two_factor_but_a_session_without_it_must_confirm_it(db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret = totp_enrol(staff)
    client = host_client("localhost")
    client.force_login(staff)  # a session that never saw the second factor
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=%2Fadmin%2F")
    assert mfa_login(staff, secret).get("/admin/").status_code == 200


def test_the_consoles_own_login_form_cannot_skip_the_second_factor(db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    totp_enrol(staff)
    client = host_client("localhost")
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


def test_enrol_totp_then_log_in_with_a_code_or_a_recovery_code(db):
    person = UserFactory()
    client = root_login(person)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    fresh_code_window()
    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=person, type="totp").exists()
    codes_page = client.get("/accounts/2fa/recovery-codes/")
    recovery = codes_page.context["unused_codes"][0]
    client.post("/accounts/logout/")

    # Password alone is not enough any more.
    fresh = host_client("localhost")
    step = fresh.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert fresh.get("/blogs/").status_code == 302
    assert fresh.post("/accounts/2fa/authenticate/", {"code": "123456"}).status_code == 200
    assert fresh.get("/blogs/").status_code == 302
    assert fresh.post("/accounts/2fa/authenticate/", {"code": recovery}).status_code == 302
    assert fresh.get("/blogs/").status_code == 200


def test_a_two_factor_login_on_a_blog_host_works_too(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person)
    secret = totp_enrol(person)
    client = mfa_login(person, secret, host="alpha.localhost")
    assert client.get("/dashboard/").status_code == 200


def test_security_keys_and_passkeys_are_offered(db):
    person = UserFactory()
    client = root_login(person)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/").content.decode()
    assert "/accounts/2fa/webauthn/" in page and "/accounts/2fa/totp/activate/" in page
    assert client.get("/accounts/2fa/webauthn/add/").status_code == 200
