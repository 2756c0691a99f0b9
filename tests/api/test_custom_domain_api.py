"""On a blog's custom domain: the Content API answers, the Admin API does not exist; with the
custom domain primary, the Admin API still answers on the subdomain (no redirect)."""

import json

import pytest

from tests.api.conftest import bearer, content_key, make_post, token_for
from tests.conftest import host_client
from tests.support.domains import verified_domain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dns_settings")]


def test_content_api_on_custom_domain_admin_api_only_on_subdomain(pro_tenant, dns_server):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    make_post(pro_tenant, title="Alpha post", action="publish")
    custom = host_client("blog.alpha.test")
    listed = custom.get("/api/content/v1/posts/", {"key": content_key(pro_tenant)})
    assert listed.status_code == 200
    # canonical URLs name the primary host (still the subdomain), as reader pages do
    assert listed.json()["posts"][0]["url"] == "http://alpha.localhost/alpha-post/"
    raw = token_for(pro_tenant)
    assert custom.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 404
    assert custom.get("/api/admin/v1/openapi.json").status_code == 404
    from tenants import domains

    domains.custom_domain_set_primary(tenant=pro_tenant, primary=True, actor=pro_tenant.owner)
    sub = host_client(pro_tenant)
    answer = sub.post(
        "/api/admin/v1/posts/",
        json.dumps({"title": "Via API"}),
        content_type="application/json",
        **bearer(raw),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["url"] == "http://blog.alpha.test/via-api/"
    assert sub.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 200
