"""Gated posts through imports, exports and the editor: Quire's export and import keep each
post's visibility, tiers (by name) and the marker in its body; Ghost's paid, members and tier
posts keep their visibility and Ghost's paywall card; Markdown front matter's `visibility` is
read, and a file that cannot say who reads the rest is a draft; the editor's "Paywall here"
button and its preview's divider."""

import json
import re

import html5lib
import pytest
from django.core.files.storage import storages
from django.db import connection

from blog.models import Post
from blog.services import exports as export_services
from memberships.models import Tier
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.blog.port_helpers import import_file, make_zip, posts, private_root  # noqa: F401
from tests.conftest import host_client

pytestmark = pytest.mark.usefixtures("private_root")
MARKER = "<!--members-only-->"
SECRET = "SECRETWORD"
PUBLIC = "PUBLICWORD"
BODY = f"{PUBLIC} opens the post.\n\n{MARKER}\n\n{SECRET} is the rest."


def tier(tenant, name: str) -> Tier:
    with tenant_context(tenant):
        return Tier.objects.create(name=name, monthly_amount=500, yearly_amount=5000)


def by_slug(tenant) -> dict[str, Post]:
    return {p.slug: p for p in posts(tenant)}


def notes(job, slug: str) -> str:
    return " ".join(n for e in job.report["imported"] if e["slug"] == slug for n in e["notes"])


def page_text(tenant, slug: str) -> str:
    answer = host_client(tenant).get(f"/{slug}/")
    assert answer.status_code == 200, (slug, answer.status_code)
    return answer.content.decode()


def split_at_marker(body: str) -> tuple[str, str]:
    """(before, after) the marker, which must be on a line of its own."""
    assert re.search(rf"(^|\n){re.escape(MARKER)}\n", body), body
    before, after = body.split(MARKER, 1)
    return before, after


def owner_login(client, tenant, password):
    assert client.login(email=tenant.owner.email, password=password)
    return client


# --- Quire's own export and import ------------------------------------------------------------


def test_quire_export_then_import_keeps_who_reads_what(tenant, make_blog, password):
    gold = tier(tenant, "Gold")
    write(tenant, "Paid", body=BODY, visibility="paid")
    write(tenant, "Gold only", body=BODY, visibility="tiers", access_tiers=[gold.id])
    write(tenant, "Members all", body=f"{SECRET} from the first word.", visibility="members")
    write(tenant, "Open", body=BODY)
    with tenant_context(tenant):
        job = export_services.export_job_create(tenant=tenant, by=tenant.owner)
        job = export_services.export_job_run(tenant=tenant, job_id=str(job.id))
        document = export_services.export_document(tenant=tenant)
    content = storages["private"].open(job.path).read()
    rows = {row["visibility"] for row in document["post_access"]}
    assert rows == {"paid", "tiers", "members"}  # the public post is not listed

    connection.set_schema_to_public()
    copy = make_blog("copy")
    tier(copy, "Silver")  # so that the copy's Gold has another id than the original's
    copy_gold = tier(copy, "gold")
    assert copy_gold.id != gold.id
    client = owner_login(host_client(copy), copy, password)
    result = import_file(client, copy, "export.zip", content)
    assert result.status == "done", result.error
    original, copied = by_slug(tenant), by_slug(copy)
    expected = {"paid": ("paid", []), "gold-only": ("tiers", [copy_gold.id]),
                "members-all": ("members", []), "open": ("public", [])}  # fmt: skip
    for slug, (visibility, tiers) in expected.items():
        post = copied[slug]
        assert (post.visibility, post.access_tiers) == (visibility, tiers), slug
        assert post.body == original[slug].body  # the marker line where it was
        assert (post.body_html, post.gated_html) == (
            original[slug].body_html,
            original[slug].gated_html,
        ), slug
    assert SECRET not in copied["paid"].body_html and SECRET in copied["paid"].gated_html
    assert copied["members-all"].body_html == "" and copied["members-all"].summary == ""
    assert SECRET in copied["open"].body_html and MARKER not in copied["open"].body_html
    assert SECRET not in page_text(copy, "paid") and PUBLIC in page_text(copy, "paid")
    assert SECRET not in page_text(copy, "members-all")
    again = import_file(client, copy, "export.zip", content)
    assert again.report["unchanged_count"] == 4
    assert [p.visibility for p in posts(copy)] == ["paid", "tiers", "members", "public"]


def test_quire_import_of_unknown_tiers_and_visibility_never_opens_a_post(tenant, owner_client):
    def post(source: str, **fields) -> dict:
        return {"source": source, "title": source, "slug": source, "status": "published",
                "published_at": "2026-01-01T00:00:00+00:00", "body": BODY, **fields}  # fmt: skip

    doc = {
        "format": "quire-export",
        "version": 1,
        "posts": [post("tiered"), post("odd"), post("inline", visibility="members")],
        "post_access": [
            {"source": "tiered", "visibility": "tiers",
             "access_tiers": [{"id": 1, "name": "Platinum"}]},
            {"source": "odd", "visibility": "vip"},
        ],
    }  # fmt: skip
    job = import_file(owner_client, tenant, "export.zip", make_zip({"quire.json": json.dumps(doc)}))
    assert job.status == "done", job.error
    found = by_slug(tenant)
    assert (found["tiered"].visibility, found["tiered"].status) == ("paid", "published")
    assert "Platinum" in notes(job, "tiered")
    assert (found["odd"].visibility, found["odd"].status) == ("paid", "draft")
    assert "'vip'" in notes(job, "odd")
    assert found["inline"].visibility == "members"
    for post in found.values():
        assert SECRET not in post.body_html and SECRET in post.gated_html


# --- Ghost ------------------------------------------------------------------------------------


def _lexical(*children) -> str:
    return json.dumps({"root": {"children": list(children)}})


def _para(text: str) -> dict:
    return {"type": "paragraph", "children": [{"type": "text", "text": text, "format": 0}]}


def _ghost_post(n: int, slug: str, visibility: str, **body) -> dict:
    return {"id": f"g{n}", "uuid": f"u-{n}", "title": slug.title(), "slug": slug,
            "type": "post", "status": "published", "visibility": visibility,
            "published_at": "2023-05-01T10:00:00.000Z", **body}  # fmt: skip


GHOST = {"db": [{"data": {"posts": [
    _ghost_post(1, "paid-html", "paid",
                html=f"<p>{PUBLIC} opens.</p>\n{MARKER}\n<p>{SECRET} is the rest.</p>"),
    _ghost_post(2, "members-lexical", "members",
                lexical=_lexical(_para(PUBLIC), {"type": "paywall"}, _para(SECRET))),
    _ghost_post(3, "tiers-mobiledoc", "tiers", tiers=[{"id": "t1", "name": "Gold"}],
                mobiledoc=json.dumps({"version": "0.3.1", "atoms": [], "markups": [],
                                      "cards": [["paywall", {}]],
                                      "sections": [[1, "p", [[0, [], 0, PUBLIC]]], [10, 0],
                                                   [1, "p", [[0, [], 0, SECRET]]]]})),
    _ghost_post(4, "open", "public", html=f"<p>{PUBLIC}</p>{MARKER}<p>{SECRET}</p>"),
    _ghost_post(5, "all-paid", "paid", html=f"<p>{SECRET} all of it.</p>"),
]}}]}  # fmt: skip


def test_ghost_posts_keep_their_visibility_and_paywall_card(tenant, owner_client):
    job = import_file(owner_client, tenant, "ghost.json", json.dumps(GHOST).encode())
    assert job.status == "done", job.error
    found = by_slug(tenant)
    expected = {"paid-html": "paid", "members-lexical": "members", "tiers-mobiledoc": "paid",
                "open": "public", "all-paid": "paid"}  # fmt: skip
    assert {slug: p.visibility for slug, p in found.items()} == expected
    assert {p.status for p in found.values()} == {"published"}
    for slug in ("paid-html", "members-lexical", "tiers-mobiledoc", "open"):
        before, after = split_at_marker(found[slug].body)
        assert PUBLIC in before and SECRET in after, slug
    for slug in ("paid-html", "members-lexical", "tiers-mobiledoc", "all-paid"):
        assert SECRET not in found[slug].body_html and SECRET in found[slug].gated_html
        assert SECRET not in found[slug].summary
        assert SECRET not in page_text(tenant, slug)
    assert PUBLIC in page_text(tenant, "paid-html")
    assert "Gold" in notes(job, "tiers-mobiledoc") and "paying members" in notes(
        job, "tiers-mobiledoc"
    )
    assert SECRET in found["open"].body_html and "members-only" not in found["open"].body_html


# --- Markdown files ---------------------------------------------------------------------------


def _md(visibility: str | None, body: str = BODY, extra: str = "") -> bytes:
    front = f"visibility: {visibility}\n" if visibility is not None else ""
    return f"---\ntitle: T\n{front}{extra}---\n\n{body}\n".encode()


def test_markdown_front_matter_visibility(tenant, owner_client):
    gold = tier(tenant, "Gold")
    files = {
        "gated.md": _md("members"),
        "gold.md": _md("tiers", extra="tiers: [gold]\n"),
        "odd.md": _md("vip"),
        "unsaid.md": _md(None),
        "plain.md": _md(None, body="Nothing gated."),
    }
    job = import_file(owner_client, tenant, "posts.zip", make_zip(files))
    assert job.status == "done", job.error
    found = {p.metadata["import_source"].removeprefix("md:"): p for p in posts(tenant)}
    got = {name: (p.visibility, p.access_tiers, p.status) for name, p in found.items()}
    assert got == {
        "gated.md": ("members", [], "published"),
        "gold.md": ("tiers", [gold.id], "published"),
        "odd.md": ("paid", [], "draft"),  # a value not understood: nothing goes out
        "unsaid.md": ("public", [], "draft"),  # a marker, and no word on who reads on
        "plain.md": ("public", [], "published"),
    }
    assert "'vip'" in notes(job, found["odd.md"].slug)
    assert "paywall marker" in notes(job, found["unsaid.md"].slug)
    for name in ("gated.md", "gold.md", "odd.md"):
        assert SECRET not in found[name].body_html and SECRET in found[name].gated_html
    assert SECRET not in page_text(tenant, found["gated.md"].slug)


def test_reimport_that_only_gates_a_post_retires_its_public_page(tenant, owner_client):
    first = import_file(owner_client, tenant, "posts.zip", make_zip({"a.md": _md("public")}))
    (post,) = posts(tenant)
    assert SECRET in page_text(tenant, post.slug)  # now in the page cache
    again = import_file(owner_client, tenant, "posts.zip", make_zip({"a.md": _md("paid")}))
    assert first.status == again.status == "done"
    (post,) = posts(tenant)
    assert post.visibility == "paid" and post.search_vector is None  # searched again
    assert SECRET not in page_text(tenant, post.slug)
    assert PUBLIC in page_text(tenant, post.slug)


# --- the editor -------------------------------------------------------------------------------


def test_preview_shows_a_divider_at_the_marker(tenant, owner_client):
    answer = owner_client.post("/dashboard/preview/", {"title": "T", "body": BODY})
    assert answer.status_code == 200
    doc = html5lib.parse(answer.content.decode(), namespaceHTMLElements=False)
    blocks = [(p.get("class"), "".join(p.itertext())) for p in doc.iter("p")]
    assert [cls for cls, _text in blocks] == [None, "paywall-divider", None]
    assert PUBLIC in blocks[0][1] and SECRET in blocks[2][1] and "Paywall" in blocks[1][1]
    plain = owner_client.post("/dashboard/preview/", {"title": "T", "body": "No marker."})
    assert b"paywall-divider" not in plain.content
