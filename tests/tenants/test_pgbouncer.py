"""PgBouncer in session mode in front of the database: blogs never read each other's schema.

Debian's `pgbouncer` (installed by scripts/dev.sh) is started here on a free port in front of
the test database. Session pooling is the mode that is correct with django-tenants, which sets
`search_path` once per connection; transaction pooling hands the next statement to whichever
server connection is free, with another client's `search_path` (shown below).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import psycopg2
from django.db import connection

from blog import services
from tenants.context import tenant_context
from tenants.db.base import DatabaseWrapper
from tests.support.net import free_port


@contextlib.contextmanager
def pgbouncer(mode: str, *, pool_size: int):
    db = connection.settings_dict
    port = free_port()
    folder = tempfile.mkdtemp(prefix="quire-pgbouncer-")
    os.chmod(folder, 0o755)  # pgbouncer drops root for the postgres user, who must read it
    users = os.path.join(folder, "users.txt")
    with open(users, "w") as out:
        out.write(f'"{db["USER"]}" "{db["PASSWORD"] or ""}"\n')
    ini = os.path.join(folder, "pgbouncer.ini")
    with open(ini, "w") as out:
        out.write(
            f"[databases]\n* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
            f"unix_socket_dir =\nauth_type = trust\nauth_file = {users}\n"
            f"pool_mode = {mode}\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
    for name in (users, ini):
        os.chmod(name, 0o644)
    command = [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", ini]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
    log = open(os.path.join(folder, "log"), "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, open(log.name).read()
                assert time.monotonic() < deadline, "pgbouncer did not start"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def blogs_with_posts(make_blog):
    blogs = []
    for name in ("pooled-a", "pooled-b"):
        blog = make_blog(name)
        with tenant_context(blog):
            services.post_create(
                tenant=blog, author=blog.owner, title=f"Only in {name}", body="x", action="publish"
            )
        blogs.append(blog)
    return blogs


def through(port: int) -> DatabaseWrapper:
    """A Django connection of our backend, to the test database through the pooler."""
    return DatabaseWrapper({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": port})


def test_interleaved_requests_through_session_pooling_never_read_another_blogs_schema(
    transactional_db, make_blog
):
    blogs = blogs_with_posts(make_blog)
    wrong: list[str] = []
    done = []

    def reader(offset: int, port: int) -> None:
        conn = through(port)
        try:
            for i in range(40):
                blog = blogs[(i + offset) % 2]
                conn.set_tenant(blog)
                with conn.cursor() as cursor:
                    cursor.execute("SELECT title FROM blog_post")
                    titles = {row[0] for row in cursor.fetchall()}
                if titles != {f"Only in {blog.subdomain}"}:
                    wrong.append(f"{blog.subdomain} read {titles}")
                if i % 3 == 2:
                    conn.close()  # end of a request with CONN_MAX_AGE=0: back to the pool
            done.append(offset)
        finally:
            conn.close()

    # Six clients share two server connections.
    with pgbouncer("session", pool_size=2) as port:
        threads = [threading.Thread(target=reader, args=(n, port)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(done) == 6
    assert wrong == []


def read_title_after_interleaved_sets(port: int, schemas: list[str], db: dict) -> str:
    """Client A sets its blog's search_path, client B sets its own, then A reads."""
    params = {"host": "127.0.0.1", "port": port, "dbname": db["NAME"], "user": db["USER"]}
    a, b = psycopg2.connect(**params), psycopg2.connect(**params)
    a.autocommit = b.autocommit = True
    try:
        a.cursor().execute(f'SET search_path = "{schemas[0]}", public')
        b.cursor().execute(f'SET search_path = "{schemas[1]}", public')
        cursor = a.cursor()
        cursor.execute("SELECT title FROM blog_post")
        return cursor.fetchone()[0]
    finally:
        a.close()
        b.close()


def test_transaction_pooling_would_serve_another_blogs_schema(transactional_db, make_blog):
    """Why the pooler must run in session mode: in transaction mode client A's query runs on
    the server connection whose search_path client B set last."""
    blogs = blogs_with_posts(make_blog)
    schemas = [blog.schema_name for blog in blogs]
    db = connection.settings_dict
    with pgbouncer("session", pool_size=2) as port:
        assert read_title_after_interleaved_sets(port, schemas, db) == "Only in pooled-a"
    with pgbouncer("transaction", pool_size=1) as port:
        assert read_title_after_interleaved_sets(port, schemas, db) == "Only in pooled-b"
