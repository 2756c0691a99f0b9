"""A page served from the page cache says its length, like the page rendered fresh: without
it gunicorn sends it chunked and the front server and the reader decode the framing."""

import pytest

from tests.blog.conftest import write
from tests.conftest import host_client


@pytest.mark.parametrize("path", ["/", "/feed/"])
def test_cached_pages_carry_their_content_length(tenant, path):
    write(tenant, "Hello")
    reader = host_client(tenant)
    miss, hit = reader.get(path), reader.get(path)
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert hit.content == miss.content
    assert hit["Content-Length"] == miss["Content-Length"] == str(len(hit.content))


def test_a_not_modified_answer_has_no_body_length(tenant):
    write(tenant, "Hello")
    reader = host_client(tenant)
    etag = reader.get("/")["ETag"]
    again = reader.get("/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert "Content-Length" not in again
