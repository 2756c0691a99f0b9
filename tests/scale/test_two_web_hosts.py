"""Two web hosts (gunicorn, config/gunicorn.py) on one database and one Redis behind one
Varnish with both as backends (scripts/varnish_vcl.py): either host serves any blog, a publish
through one purges the shared front cache for every reader, and a host that goes down is
skipped."""

import re
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest
import requests
from django.test import Client

from lib.urls import blog_host
from tests.blog.conftest import write
from tests.conftest import PASSWORD
from tests.scale.servers import gunicorn_hosts
from tests.support.net import free_port
from tests.support.varnish import varnish_in_front_of
from tests.tasks.conftest import ROOT, wait_for


def get(base: str, blog, path: str = "/", **kwargs) -> requests.Response:
    return requests.get(
        base.rstrip("/") + path, headers={"Host": blog_host(blog.subdomain)}, timeout=10, **kwargs
    )


def page_requests(access_log) -> int:
    """Requests a host answered, other than Varnish's health probes."""
    return sum("/healthz" not in line for line in access_log.read_text().splitlines())


@pytest.mark.slow
def test_two_hosts_behind_one_varnish(transactional_db, make_blog, tmp_path):
    alpha, bravo = make_blog("hostsa"), make_blog("hostsb")
    write(alpha, "Alpha on any host")
    write(bravo, "Bravo on any host")
    varnish_port = free_port()
    varnish_url = f"http://127.0.0.1:{varnish_port}/"
    with ExitStack() as stack:
        hosts = stack.enter_context(gunicorn_hosts(tmp_path, 2, QUIRE_VARNISH_URLS=varnish_url))
        (one, _, one_log), (two, two_process, two_log) = hosts
        vcl = subprocess.run(
            [sys.executable, "scripts/varnish_vcl.py", *(url.split("//")[1] for url, *_ in hosts)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert vcl.count("web.add_backend(") == 2
        varnish = stack.enter_context(varnish_in_front_of(vcl=vcl, port=varnish_port))

        # Either host serves either blog, each only its own posts.
        start = page_requests(one_log), page_requests(two_log)
        for host in (one, two):
            for blog, mine, theirs in ((alpha, "Alpha", "Bravo"), (bravo, "Bravo", "Alpha")):
                page = get(host, blog)
                assert page.status_code == 200
                assert f"{mine} on any host" in page.text and theirs not in page.text

        # A host logs a request just after answering it: the four above first.
        wait_for(
            lambda: min(page_requests(one_log) - start[0], page_requests(two_log) - start[1]) >= 2,
            timeout=5,
        )

        # Varnish spreads its fetches over both hosts (round robin).
        before = page_requests(one_log), page_requests(two_log)
        for blog in (alpha, bravo):
            for path in ("/", "/feed/"):
                assert get(varnish, blog, path).headers["X-Front-Cache"] == "MISS"

        def fetched():  # a host logs a request just after answering it
            return page_requests(one_log) - before[0], page_requests(two_log) - before[1]

        # Round robin, with Varnish's health probes in between: both hosts, four fetches.
        wait_for(lambda: sum(fetched()) >= 4, timeout=5)
        assert sum(fetched()) == 4 and min(fetched()) >= 1, fetched()
        for blog in (alpha, bravo):
            assert get(varnish, blog).headers["X-Front-Cache"] == "HIT"

        # The owner publishes through host 1 (a session both hosts know: it is in the database).
        owner = Client(HTTP_HOST=blog_host(alpha.subdomain))
        assert owner.login(email=alpha.owner.email, password=PASSWORD)
        session = requests.Session()
        session.cookies.set("sessionid", owner.cookies["sessionid"].value)
        editor = get(one, alpha, "/dashboard/posts/new/", cookies=session.cookies)
        assert editor.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', editor.text)[1]
        session.cookies.update(editor.cookies)
        started = time.monotonic()
        published = session.post(
            one + "/dashboard/posts/new/",
            data={"title": "Breaking on host one", "body": "News.", "csrfmiddlewaretoken": token,
                  "publish": ""},
            headers={"Host": blog_host(alpha.subdomain)}, allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert published.status_code == 302, published.text[-2000:]
        # Every reader, whichever host Varnish asks, sees it at once.
        fresh = get(varnish, alpha)
        assert time.monotonic() - started < 1
        assert fresh.headers["X-Front-Cache"] == "MISS"
        assert "Breaking on host one" in fresh.text
        assert "Breaking on host one" in get(two, alpha).text  # host 2's page cache too
        assert get(varnish, bravo).headers["X-Front-Cache"] == "HIT"  # only alpha was purged
        assert "Breaking" not in get(varnish, bravo).text

        # Host 2 goes down: once its probe fails, every fetch goes to host 1.
        two_process.terminate()
        two_process.wait(10)

        def all_answered():  # the login page is never cached: each request is a fetch
            return all(get(varnish, bravo, "/accounts/login/").status_code == 200 for _ in "1234")

        wait_for(all_answered, timeout=15)


def test_the_vcl_script_refuses_an_address_without_a_port():
    done = subprocess.run(
        [sys.executable, "scripts/varnish_vcl.py", "127.0.0.1:8001", "web2.internal"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not HOST:PORT: 'web2.internal'" in done.stderr
