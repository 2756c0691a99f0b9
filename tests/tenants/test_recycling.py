"""Connections that have visited many schemas are recycled at a safe point."""

from celery.signals import task_postrun
from django.db import connection

from tenants.context import schema_context
from tenants.recycling import connections_recycle
from tests.conftest import host_client


def backend_pid() -> int:
    connection.set_schema_to_public()  # not counted: asking must not visit a blog
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def visit(schema: str) -> None:
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM blog_post")


def test_a_connection_is_recycled_after_one_schema_more_than_the_limit(
    transactional_db, make_blog, settings
):
    settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION = 3
    blogs = [make_blog(f"recycle{i}", name=f"Recycled blog {i}") for i in range(5)]
    connection.close()  # start from a fresh backend: provisioning visited every schema
    first = backend_pid()

    pids = []
    for blog in blogs[:4]:
        response = host_client(blog).get("/")
        assert response.status_code == 200
        assert blog.name in response.content.decode()
        pids.append(backend_pid())
    # Three blogs fit the limit; the fourth request ended past it and closed the connection.
    assert pids[:3] == [first] * 3
    assert pids[3] != first
    assert connection.schemas_visited == set()

    # The fresh connection serves the next blog, and only that blog.
    response = host_client(blogs[4]).get("/")
    assert blogs[4].name in response.content.decode()
    assert blogs[3].name not in response.content.decode()
    assert backend_pid() == pids[3]
    assert connection.schemas_visited == {blogs[4].schema_name}


def test_the_public_schema_is_not_counted(transactional_db, make_blog, settings):
    settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION = 1
    blog = make_blog("recyclepub")
    connection.close()
    first = backend_pid()
    host_client(blog).get("/")
    host_client("localhost").get("/")
    assert backend_pid() == first


def test_a_connection_inside_a_transaction_is_never_closed(make_blog, settings):
    settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION = 1
    blogs = [make_blog(f"intx{i}") for i in range(3)]
    first = backend_pid()
    for blog in blogs:
        visit(blog.schema_name)
    assert len(connection.schemas_visited) >= 3
    assert connection.in_atomic_block  # the test's own transaction
    assert connections_recycle() == 0
    assert backend_pid() == first


def test_a_celery_task_ending_recycles_the_workers_connection(
    transactional_db, make_blog, settings
):
    settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION = 2
    blogs = [make_blog(f"task{i}") for i in range(3)]
    connection.close()
    first = backend_pid()
    for blog in blogs:
        visit(blog.schema_name)
    assert backend_pid() == first
    task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={}, retval=None)
    assert backend_pid() != first
