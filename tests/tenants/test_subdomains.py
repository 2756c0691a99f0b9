import pytest
from django.core.exceptions import ValidationError

from tenants.subdomains import RESERVED, subdomain_validate

REQUIRED_RESERVED = (
    "www admin api app mail smtp static media assets cdn blog help support status docs billing "
    "accounts dashboard signup login root test demo"
).split()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("ab", "too_short"),
        ("a" * 41, "too_long"),
        ("my_blog", "invalid_characters"),
        ("my.blog", "invalid_characters"),
        ("blög", "invalid_characters"),
        ("-acme", "hyphen_edge"),
        ("acme-", "hyphen_edge"),
        ("xn--bcher-kva", "punycode"),
        ("admin", "reserved"),
    ],
)
def test_each_rule_has_its_own_error(value, code):
    with pytest.raises(ValidationError) as info:
        subdomain_validate(value)
    assert info.value.code == code


def test_valid_names_pass_and_upper_case_is_lowered():
    assert subdomain_validate("abc") == "abc"
    assert subdomain_validate("a" * 40) == "a" * 40
    assert subdomain_validate("  My-Blog-42 ") == "my-blog-42"


@pytest.mark.parametrize("name", REQUIRED_RESERVED)
def test_reserved_names_are_refused_to_signups(name):
    assert name in RESERVED
    with pytest.raises(ValidationError):
        subdomain_validate(name)


def test_the_platform_may_use_reserved_names():
    assert subdomain_validate("demo", allow_reserved=True) == "demo"
