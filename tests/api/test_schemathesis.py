"""Schemathesis against the live test server, from each API's published schema, with a valid
key / token: no 500s, every answer matches the schema (status, content type, body)."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lib.urls import blog_host
from tests.api.conftest import content_key, make_post, token_for
from tests.conftest import plan_set

EXAMPLES = 10  # per operation and generation mode (kept small: it runs in `make test`)


@pytest.fixture
def live_blog(live_server, make_blog, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "api_content": "100000/m/ip",
        "api_admin": "100000/m/ip",
        "api_token": "100000/m/key",
    }
    blog = make_blog("alpha")
    plan_set(blog, "pro")
    make_post(blog, title="Hello world", tags="news, first steps", action="publish")
    make_post(blog, title="About", kind="page", action="publish")
    make_post(blog, title="Draft")
    return blog


def run(live_server, host: str, prefix: str, headers: dict, *, excluded=()) -> int:
    raw = requests.get(
        f"{live_server.url}{prefix}/openapi.json", headers={"Host": host}, timeout=10
    )
    assert raw.status_code == 200
    schema = schemathesis.openapi.from_dict(raw.json())
    # Unknown query parameters are ignored, as HTTP APIs commonly do; the key and token are
    # ours (sent below), so schemathesis does not make up its own.
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                nonlocal cases
                cases += 1
                case.headers = {**(case.headers or {}), "Host": host}  # kept by every check
                response = case.call(base_url=live_server.url, headers=headers)
                assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
                case.validate_response(response, excluded_checks=list(excluded))

            try:
                check()
            except Unsatisfiable:
                # No invalid request exists for an operation without parameters or body.
                assert mode == GenerationMode.NEGATIVE
    return cases


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_content_api_schemathesis(live_server, live_blog):
    cases = run(
        live_server,
        blog_host(live_blog.subdomain),
        "/api/content/v1",
        {"X-Content-Key": content_key(live_blog)},
    )
    assert cases >= 6 * EXAMPLES


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_admin_api_schemathesis(live_server, live_blog):
    raw = token_for(live_blog)
    cases = run(
        live_server,
        blog_host(live_blog.subdomain),
        "/api/admin/v1",
        {"Authorization": f"Bearer {raw}", "If-Match": "*"},
        # A schema-valid write may still be refused by the services' rules (a taken or
        # reserved slug, a date in the past, the plan's limit): 400/402 with a message.
        excluded=[positive_data_acceptance],
    )
    assert cases >= 10 * EXAMPLES
