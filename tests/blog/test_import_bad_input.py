"""Bad files get a clear message, never a 500 and never a half-imported blog."""

import json
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.imports.common import ImportRefused
from blog.imports.ghost import ghost_read
from tests.blog.port_helpers import DATA, import_file, make_zip, posts, private_root, upload  # noqa: F401

pytestmark = pytest.mark.usefixtures("private_root")

GOOD = (DATA / "wordpress" / "theme-preview.xml").read_bytes()
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss><channel><item><title>&lol9;</title></item></channel></rss>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&xxe;</title><wp:post_type>post</wp:post_type></item></channel></rss>"""


def _failed(client, tenant, name, content) -> str:
    job = import_file(client, tenant, name, content)
    assert job.status == "failed"
    page = client.get(f"/dashboard/import/{job.id}/")
    assert page.status_code == 200 and escape(job.error)[:60].encode() in page.content
    assert posts(tenant) == []  # nothing at all was written
    return job.error


def test_truncated_xml_imports_nothing(tenant, owner_client):
    # Cut after several complete items: a streaming reader has seen posts, none is written.
    cut = GOOD[: GOOD.index(b"</item>", 8000) + 200]
    error = _failed(owner_client, tenant, "cut.xml", cut)
    assert "broken or incomplete (line" in error and "export it again" in error


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_bombs_are_refused_without_expanding(tenant, owner_client, content):
    error = _failed(owner_client, tenant, "bomb.xml", content)
    assert "refused for safety" in error


def test_wrong_file_type_is_refused_at_upload(tenant, owner_client):
    response = upload(owner_client, "photo.xml", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert response.status_code == 400
    assert b"This file is not one Quire can import" in response.content
    response = upload(owner_client, "page.xml", b"<html><body>hi</body></html>")
    assert response.status_code == 400
    response = upload(owner_client, "empty.json", b"")
    assert response.status_code == 400


def test_not_wordpress_json_and_broken_json(tenant, owner_client):
    assert "not a Ghost export" in _failed(owner_client, tenant, "x.json", b'{"hello": 1}')
    assert "JSON file is broken" in _failed(owner_client, tenant, "x.json", b'{"db": [')


def test_zip_with_parent_paths_is_refused(tenant, owner_client):
    content = make_zip({"ok.md": b"# Fine\n", "../../evil.md": b"# Evil\n"})
    error = _failed(owner_client, tenant, "site.zip", content)
    assert "unsafe path ('../../evil.md')" in error


def test_zip_bomb_is_refused(tenant, owner_client):
    # 6 MB of zeros packs into a few KB; the per-file cap (5 MB) stops it while inflating.
    content = make_zip({"ok.md": b"# Fine\n", "big.md": b"\0" * (6 * 1024 * 1024)})
    assert len(content) < 100_000
    assert "larger than 5 MB once unpacked" in _failed(owner_client, tenant, "bomb.zip", content)


def test_broken_zip(tenant, owner_client):
    content = make_zip({"a.md": "".join(f"# {n}\n" for n in range(5000)).encode()})
    content = content[: len(content) // 2]
    assert "zip" in _failed(owner_client, tenant, "cut.zip", content).lower()


def test_too_large_is_refused_from_content_length_before_reading(tenant, owner_client):
    # A 200 MB upload announced by Content-Length: refused before the body is read, so the
    # test sends only a few bytes and never allocates 200 MB.
    response = owner_client.generic(
        "POST",
        "/dashboard/import/",
        b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert b"The file is 200 MB; imports are limited to 100 MB." in response.content


def test_too_large_is_refused_while_reading(tenant, owner_client, settings):
    # A body over the cap whose Content-Length does not give it away in advance (form
    # overhead allowance): the upload handler stops reading past the cap.
    settings.QUIRE_IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(owner_client, "big.xml", GOOD + b" " * (1024 * 1024))
    assert response.status_code == 413
    assert b"imports are limited to 1 MB" in response.content
    assert posts(tenant) == []


def test_a_broken_post_inside_a_good_file_is_reported(tenant, owner_client):
    huge = GOOD.replace(b"<p>Boat.</p>", b"<p>" + b"x" * 600_000 + b"</p>")
    job = import_file(owner_client, tenant, "wp.xml", huge)
    assert job.status == "done"
    skipped = {s["title"]: s["reason"] for s in job.report["skipped"]}
    assert "too long (" in skipped["Worth A Thousand Words"]
    assert len(posts(tenant)) == 6


@pytest.mark.parametrize(
    "data, field",
    [
        ({"posts": [{"title": ["a", "list"]}]}, "db[0].data.posts[0].title"),
        ({"posts": [{"published_at": 10**30}]}, "db[0].data.posts[0].published_at"),
        ({"posts": [], "tags": {"id": 1}}, "db[0].data.tags"),
        ({"posts": [], "posts_tags": [7]}, "db[0].data.posts_tags[0]"),
        ({"posts": [], "posts_tags": [{"sort_order": "first"}]}, "sort_order"),
        ({"posts": [], "users": [{"email": {"a": 1}}]}, "db[0].data.users[0].email"),
    ],
)
def test_a_ghost_export_of_the_wrong_shape_is_refused_naming_the_field(
    tenant, owner_client, data, field
):
    content = json.dumps({"db": [{"meta": {}, "data": data}]}).encode()
    error = _failed(owner_client, tenant, "ghost.json", content)
    assert "not a Ghost export as Ghost writes it" in error and field in error


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
_ghost_rows = st.dictionaries(
    st.sampled_from(["id", "title", "slug", "html", "lexical", "mobiledoc", "status", "type",
                     "published_at", "visibility", "post_id", "tag_id", "sort_order", "name"]),
    _json | st.text(max_size=20),
    max_size=5,
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.dictionaries(
        st.sampled_from(["posts", "tags", "posts_tags", "users", "posts_authors"]),
        st.lists(_ghost_rows | _json, max_size=3) | _json,
        max_size=5,
    )
)
def test_any_ghost_shaped_json_is_read_or_refused_never_crashes(data):
    raw = json.dumps({"db": [{"data": data}]}).encode()
    try:
        parsed = ghost_read(raw)
    except ImportRefused as exc:
        assert exc.message
    else:
        assert all(item.source_key.startswith("ghost:") for item in parsed.items)
