"""The data migration that gives accounts made before allauth signup their email address."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps

from shared.accounts.models import User

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "shared.accounts.migrations.0004_email_addresses_for_existing_users"
)


def test_old_accounts_get_an_address_staff_confirmed_others_not():
    old = User.objects.create_user(email="old@example.org", password="x")
    staff = User.objects.create_superuser(email="ops@example.org", password="x")
    migration.forwards(apps, None)
    assert EmailAddress.objects.get(user=old).verified is False
    assert EmailAddress.objects.get(user=old).primary
    assert EmailAddress.objects.get(user=staff).verified is True
    migration.forwards(apps, None)  # running it again adds nothing
    assert EmailAddress.objects.count() == 2
