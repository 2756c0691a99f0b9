"""The webhooks page: owners only, secret shown once, send test, the log, isolation."""

import html5lib
import pytest

from tests.conftest import host_client
from tests.webhooks.conftest import hook
from webhooks import attempts, services
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
PAGE = "/dashboard/api/webhooks/"


def _owner(tenant, password):
    client = host_client(tenant)
    assert client.login(email=tenant.owner.email, password=password)
    return client


def _text(response) -> str:
    doc = html5lib.parse(response.content, namespaceHTMLElements=False)
    return " ".join("".join(doc.itertext()).split())


def test_register_see_the_secret_once_send_a_test_and_read_the_log(
    pro_blog, password, receiver, django_assert_max_num_queries
):
    blog = pro_blog("alpha")
    client = _owner(blog, password)
    response = client.post(
        PAGE, {"url": receiver.base + "/ok", "events": ["post.published", "member.added"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(tenant=blog)
    assert endpoint.events == ["post.published", "member.added"]
    assert endpoint.secret in _text(response)
    assert endpoint.secret not in _text(client.get(PAGE))  # shown once
    assert endpoint.secret_hint in _text(client.get(PAGE))

    response = client.post(f"{PAGE}{endpoint.id}/test/")
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "ping"
    attempts.delivery_attempt(delivery_id=delivery.id)  # what the worker does
    for _ in range(5):
        services.webhook_ping(tenant_id=blog.id, endpoint_id=endpoint.id)
    with django_assert_max_num_queries(10):  # not one per delivery
        log = _text(client.get(f"{PAGE}{endpoint.id}/"))
    with django_assert_max_num_queries(10):
        client.get(PAGE)
    assert "ping" in log and "Delivered" in log and "200" in log and " ms" in log
    detail = client.get(f"{PAGE}deliveries/{delivery.id}/")
    assert str(delivery.uuid) in _text(detail) and "thanks" in _text(detail)


def test_bad_input_is_explained_and_kept(pro_blog, password, settings):
    blog = pro_blog("alpha")
    client = _owner(blog, password)
    settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK = False
    response = client.post(PAGE, {"url": "http://10.0.0.5/hook", "events": ["post.updated"]})
    assert response.status_code == 400
    text = _text(response)
    assert "private or local address" in text
    assert 'value="http://10.0.0.5/hook"' in response.content.decode()
    response = client.post(PAGE, {"url": "https://example.com/hook"})
    assert "Choose at least one" in _text(response)
    assert not WebhookEndpoint.objects.exists()


def test_free_plan_owners_see_the_upgrade_note(tenant, password):
    client = _owner(tenant, password)
    assert "does not include" in _text(client.get(PAGE))
    response = client.post(PAGE, {"url": "https://example.com/h", "events": ["post.updated"]})
    assert response.status_code == 400 and not WebhookEndpoint.objects.exists()


def test_editors_and_authors_cannot_manage_webhooks(pro_blog, password):
    from tests.blog.conftest import login
    from tests.conftest import add_member

    blog = pro_blog("alpha")
    editor = login(blog, add_member(blog, "editor"), password)
    assert editor.get(PAGE).status_code == 403


def test_another_blogs_endpoints_and_deliveries_are_404(pro_blog, password, receiver):
    alpha, bravo = pro_blog("alpha"), pro_blog("bravo")
    theirs = hook(bravo, receiver, "/b")
    delivery = services.webhook_ping(tenant_id=bravo.id, endpoint_id=theirs.id)
    client = _owner(alpha, password)
    assert receiver.base + "/b" not in _text(client.get(PAGE))
    assert client.get(f"{PAGE}{theirs.id}/").status_code == 404
    assert client.get(f"{PAGE}deliveries/{delivery.id}/").status_code == 404
    for action in ("test", "delete", "enable"):
        assert client.post(f"{PAGE}{theirs.id}/{action}/").status_code == 404
    assert WebhookEndpoint.objects.filter(id=theirs.id).exists()
    assert WebhookDelivery.objects.filter(endpoint=theirs).count() == 1  # no ping added
