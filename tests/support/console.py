"""Staff in the console: logging in with two factors and running a tenant action."""

from shared.accounts.models import User

ACTIONS_URL = "/admin/tenants/tenant/"


def console_act(client, action, *tenants, reason="Spam reported by readers", follow=False, **extra):
    """Run a console action as staff do: pick it (the confirmation page answers and nothing
    changes yet), then confirm it with a reason."""
    ids = [t.pk for t in tenants]
    page = client.post(ACTIONS_URL, {"action": action, "_selected_action": ids})
    assert page.status_code == 200 and b'name="confirm"' in page.content, page.content[:300]
    data = {"action": action, "_selected_action": ids, "confirm": "yes", "reason": reason}
    return client.post(ACTIONS_URL, data | extra, follow=follow)


def staff_client(password):
    """Staff log in through allauth with their second factor (required for the console)."""
    from tests.accounts.mfa_helpers import mfa_login, totp_enrol

    staff = User.objects.create_superuser(email="staff@example.org", password=password)
    return mfa_login(staff, totp_enrol(staff))
