import pytest
from django.db import connection

from blog import services as blog_services
from blog.models import Post
from shared.accounts.models import Membership
from tenants import services as tenant_services
from tenants.context import tenant_context
from tests.factories import UserFactory
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def make_blog(subdomain):
    owner = UserFactory()
    tenant = tenant_services.tenant_provision(subdomain=subdomain, name=subdomain, owner=owner)
    return tenant, owner


def vector_of(tenant, post_id):
    with tenant_context(tenant):
        return Post.objects.filter(id=post_id).values_list("search_vector", flat=True).first()


def test_search_vector_task_runs_in_the_schema_of_the_tenant_that_queued_it(
    celery_worker_process,
):
    _proc, log = celery_worker_process
    alpha, alpha_owner = make_blog("alpha")
    bravo, _ = make_blog("bravo")
    # Bravo's post has the same id as alpha's; written directly so nothing is queued for it.
    with tenant_context(bravo):
        twin = Post.objects.create(title="Bravo giraffes", slug="giraffes", body="tall")
    with tenant_context(alpha):
        post = blog_services.post_create(
            tenant=alpha,
            author=alpha_owner,
            title="Alpha pelicans",
            body="Birds by the sea",
            tags="birds",
        )
    assert post.id == twin.id
    connection.set_schema_to_public()

    vector = wait_for(lambda: vector_of(alpha, post.id), log=log)
    assert "pelican" in vector and "bird" in vector and "sea" in vector
    assert "'pelican':2A" in vector  # the title is weighted A
    assert vector_of(bravo, twin.id) is None
    assert Membership.objects.count() == 2


def test_the_periodic_sweep_fills_vectors_missed_while_redis_was_down(celery_worker_process):
    from tasks import search as search_tasks

    _proc, log = celery_worker_process
    alpha, _ = make_blog("alpha")
    with tenant_context(alpha):
        missed = Post.objects.create(title="Missed while down", slug="missed", body="x")
    connection.set_schema_to_public()
    search_tasks.search_sweep_dispatch.delay()
    vector = wait_for(lambda: vector_of(alpha, missed.id), log=log)
    assert "miss" in vector


def test_changing_the_blog_language_rebuilds_its_vectors(celery_worker_process):
    from blog import services as blog_services

    _proc, log = celery_worker_process
    alpha, owner = make_blog("alpha")
    with tenant_context(alpha):
        post = blog_services.post_create(
            tenant=alpha,
            author=owner,
            title="Die Häuser",
            body="Viele Häuser am See",
            action="publish",
        )
    connection.set_schema_to_public()
    wait_for(lambda: vector_of(alpha, post.id), log=log)
    assert "'häuser'" in vector_of(alpha, post.id)  # English: no German stemming

    blog_services.blog_language_set(tenant=alpha, language="german")
    wait_for(lambda: "'haus'" in (vector_of(alpha, post.id) or ""), log=log)
