"""On a blog's custom domain: the Content API answers, the Admin API does not exist; with the
custom domain primary, the Admin API still answers on the subdomain (no redirect)."""

import json

import pytest

from tests.api.conftest import bearer, content_key, make_post, token_for
from tests.conftest import host_client
from tests.prod.test_custom_domains import (  # noqa: F401
    _dns_settings,
    _verified,
    dns_server,
    pro_blog,
)

pytestmark = pytest.mark.django_db


def test_content_api_on_custom_domain_admin_api_only_on_subdomain(pro_blog, dns_server):  # noqa: F811
    _verified(pro_blog, "blog.alpha.test", dns_server)
    make_post(pro_blog, title="Alpha post", action="publish")
    custom = host_client("blog.alpha.test")
    listed = custom.get("/api/content/v1/posts/", {"key": content_key(pro_blog)})
    assert listed.status_code == 200
    # canonical URLs name the primary host (still the subdomain), as reader pages do
    assert listed.json()["posts"][0]["url"] == "http://alpha.localhost/alpha-post/"
    raw = token_for(pro_blog)
    assert custom.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 404
    assert custom.get("/api/admin/v1/openapi.json").status_code == 404
    from tenants import domains

    domains.custom_domain_set_primary(tenant=pro_blog, primary=True, actor=pro_blog.owner)
    sub = host_client(pro_blog)
    answer = sub.post(
        "/api/admin/v1/posts/",
        json.dumps({"title": "Via API"}),
        content_type="application/json",
        **bearer(raw),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["url"] == "http://blog.alpha.test/via-api/"
    assert sub.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 200
