"""One mail layout (plain text + HTML) signed with the blog's or the platform's name, with
links on the host and port the person used."""

import html5lib
import pytest
from django.core import mail
from django.test import Client

from tests.conftest import plan_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    (body, kind), *_ = message.alternatives
    assert kind == "text/html"
    tree = html5lib.parse(body, namespaceHTMLElements=False)
    assert tree.find(".//body") is not None
    return body


def test_a_password_reset_asked_on_a_blog_is_signed_by_the_blog(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person, name="Alpha Notes")
    client = Client(HTTP_HOST="alpha.localhost:8765")
    client.post("/accounts/password/reset/", {"email": person.email})
    (message,) = mail.outbox
    assert message.subject == "[Alpha Notes] Set a new password"
    assert "Hello from" not in message.body and "localhost:8765!" not in message.body
    assert "http://alpha.localhost:8765/accounts/password/reset/key/" in message.body
    assert message.body.rstrip().splitlines()[-3:] == [
        "Alpha Notes",
        "http://alpha.localhost:8765/",
        "(sent by Quire, http://localhost:8765/)",
    ]
    assert "http://alpha.localhost:8765/accounts/password/reset/key/" in html_of(message)


def test_a_password_reset_asked_on_the_root_is_signed_by_the_platform(db):
    person = UserFactory()
    Client(HTTP_HOST="localhost:8765").post("/accounts/password/reset/", {"email": person.email})
    (message,) = mail.outbox
    assert message.subject == "[Quire] Set a new password"
    assert message.body.rstrip().splitlines()[-2:] == ["Quire", "http://localhost:8765/"]
    assert "http://localhost:8765/accounts/password/reset/key/" in message.body


def test_an_invitation_is_signed_by_the_blog_with_its_link(
    make_blog, password, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    tenant = make_blog("alpha", owner=owner, name="Alpha Notes")
    plan_set(tenant, "pro")
    client = Client(HTTP_HOST="alpha.localhost:8765")
    client.post("/accounts/login/", {"login": owner.email, "password": password})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/members/", {"email": "new@example.org", "role": "author"}
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Join Alpha Notes on Quire"
    assert "http://alpha.localhost:8765/dashboard/join/" in message.body
    assert "Alpha Notes\nhttp://alpha.localhost:8765/" in message.body
    assert "http://alpha.localhost:8765/dashboard/join/" in html_of(message)


def test_a_plan_change_mail_names_the_blog_in_the_common_layout(
    make_blog, settings, django_capture_on_commit_callbacks
):
    settings.QUIRE_PUBLIC_PORT = "8765"
    owner = UserFactory()
    tenant = make_blog("alpha", owner=owner, name="Alpha Notes")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan_set(tenant, "pro")
    (message,) = [m for m in mail.outbox if m.to == [owner.email]]
    assert message.subject == "Alpha Notes is now on the Pro plan"
    assert "http://alpha.localhost:8765/dashboard/billing/" in message.body
    assert "Alpha Notes\nhttp://alpha.localhost:8765/" in message.body
    assert "Manage your plan" in html_of(message)


def test_security_notices_use_the_layout_too(db, password):
    person = UserFactory()
    client = Client(HTTP_HOST="localhost:8765")
    client.post("/accounts/login/", {"login": person.email, "password": password})
    mail.outbox.clear()
    new = "another long passphrase"
    client.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": new, "password2": new},
    )
    (message,) = mail.outbox
    assert message.subject == "[Quire] Password Changed"
    assert "Your password was changed." in message.body
    assert "http://localhost:8765/accounts/password/reset/" in message.body
    assert "Your password was changed." in html_of(message)
