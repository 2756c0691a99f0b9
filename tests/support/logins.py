"""Logging a person in on the root host."""

from tests.conftest import host_client
from tests.factories import PASSWORD


def root_login(user):
    client = host_client("localhost")
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client
