"""The suite hashes passwords with a fast hasher (config/settings_test.py); production must not."""

from django.conf import global_settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password

import config.settings as production


def test_production_settings_hash_passwords_with_pbkdf2_at_full_cost(settings):
    settings.PASSWORD_HASHERS = getattr(
        production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS
    )
    encoded = make_password("correct horse battery staple")
    algorithm, iterations, _salt, _hash = encoded.split("$")
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) >= 1_000_000
    assert check_password("correct horse battery staple", encoded)


def test_the_suite_itself_uses_the_fast_hasher():
    assert get_hasher().algorithm == "md5"
