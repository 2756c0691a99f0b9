# ruff: noqa: F811 (fixtures imported from other folders are parameters here)
"""Webhooks end to end: a post published through the Admin API (blog A) and through the
dashboard (blog B) reaches each blog's own receiver through a real Celery worker (queue
`webhooks`), signed; a 503 is retried (test settings: 0.5 s backoff) until it succeeds."""

import json

from django.db import connection

from tests.api.conftest import bearer, pro_blog, token_for  # noqa: F401 (fixture)
from tests.blog.conftest import login
from tests.conftest import host_client
from tests.tasks.conftest import wait_for
from tests.webhooks.conftest import hook, receiver  # noqa: F401 (fixture)
from webhooks.models import WebhookDelivery

# `transactional_db` by name: the suite's teardown then drops the blogs' schemas.


def test_events_reach_their_own_blogs_receiver_signed_and_retried_after_a_503(
    transactional_db,
    celery_worker_process,
    pro_blog,
    receiver,
    password,  # noqa: F811
):
    _proc, log = celery_worker_process
    alpha, bravo = pro_blog("alpha"), pro_blog("bravo")
    a_hook = hook(alpha, receiver, "/a")
    b_hook = hook(bravo, receiver, "/flaky")  # answers 503 the first time

    response = host_client(alpha).post(
        "/api/admin/v1/posts/",
        json.dumps({"title": "From the API", "body": "x", "action": "publish"}),
        content_type="application/json",
        **bearer(token_for(alpha)),
    )
    assert response.status_code == 201, response.content
    owner = login(bravo, bravo.owner, password)
    response = owner.post(
        "/dashboard/posts/new/", {"title": "From the editor", "body": "y", "publish": ""}
    )
    assert response.status_code == 302

    wait_for(lambda: receiver.at("/a"), log=log)
    wait_for(lambda: len(receiver.at("/flaky")) >= 2, log=log)
    (a,) = receiver.verified("/a")
    assert a.json["event"] == "post.published" and a.json["blog"]["id"] == alpha.id
    assert a.json["data"]["post"]["title"] == "From the API"
    first, second = receiver.verified("/flaky")[:2]
    assert first.headers["Quire-Delivery"] == second.headers["Quire-Delivery"]  # same delivery
    assert second.json["blog"]["id"] == bravo.id
    assert second.json["data"]["post"]["title"] == "From the editor"

    def delivered():
        connection.set_schema_to_public()
        row = WebhookDelivery.objects.filter(endpoint=b_hook).first()
        return row if row and row.status == "succeeded" else None

    done = wait_for(delivered, log=log)
    assert (done.attempts, done.response_code) == (2, 200)
    assert WebhookDelivery.objects.get(endpoint=a_hook).attempts == 1
    # Each receiver saw only its own blog's events.
    assert {r.json["blog"]["id"] for r in receiver.at("/a")} == {alpha.id}
    assert {r.json["blog"]["id"] for r in receiver.at("/flaky")} == {bravo.id}
