"""Search relevance at any size: title matches first, then newest first, whatever
plan PostgreSQL picks; the last word as a prefix; every language; suggestions."""

import importlib
import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from blog import search
from blog.cache import blog_changed
from blog.models import Post
from blog.rendering import markdown_render
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.conftest import host_client

NOW = timezone.now()


def add(tenant, title, body="", *, days_ago=0, tags=(), status="published"):
    with tenant_context(tenant):
        post = Post.objects.create(
            title=title, slug=title.lower().replace(" ", "-"), body=body,
            body_html=markdown_render(body), tags=list(tags), status=status,
            published_at=NOW - timedelta(days=days_ago),
        )  # fmt: skip
        search.post_search_vector_refresh(
            post_id=post.id, config=search.search_config(tenant=tenant)
        )
        return post


def titles(tenant, query, **kwargs):
    with tenant_context(tenant):
        return [hit.title for hit in search.posts_search(tenant=tenant, query=query, **kwargs).hits]


@pytest.fixture
def birds(tenant):
    add(tenant, "Pelican season", "Notes from the shore.", days_ago=10)
    add(tenant, "Harbour walk", "A pelican on the pier.", days_ago=1)
    add(tenant, "Tide tables", "Pelicans again, and gulls.", days_ago=0)
    add(tenant, "Pelicans up close", "Big beaks.", days_ago=5)
    add(tenant, "Mountain goats", "No birds here. Serendipity.", days_ago=3, tags=["hills"])
    add(tenant, "Old draft pelican", "pelican", days_ago=0, status="draft")
    return tenant


def test_title_matches_first_then_newest_first(birds):
    assert titles(birds, "pelican") == [
        "Pelicans up close",  # title, 5 days old
        "Pelican season",  # title, 10 days old
        "Tide tables",  # body only, today
        "Harbour walk",  # body only, yesterday
    ]


def test_a_title_hit_beats_any_number_of_body_hits(tenant):
    add(tenant, "Gulls everywhere", "gull " * 50, days_ago=0)
    add(tenant, "A gull", "Nothing else.", days_ago=30)
    assert titles(tenant, "gull") == ["Gulls everywhere", "A gull"]  # both title hits: newest
    add(tenant, "Sea notes", "gull " * 80, days_ago=0)
    assert titles(tenant, "gull")[-1] == "Sea notes"


def test_the_last_word_is_a_prefix(birds):
    assert titles(birds, "serendipit") == ["Mountain goats"]  # indexed as `serendip`
    assert titles(birds, "seren") == ["Mountain goats"]
    assert titles(birds, "pelic")[:2] == ["Pelicans up close", "Pelican season"]
    assert titles(birds, "pelican gul") == ["Tide tables"]  # gulls
    assert titles(birds, "pelican tid") == ["Tide tables"]
    assert titles(birds, "goats or serendipi") == ["Mountain goats"]
    assert titles(birds, "season or mountai") == ["Mountain goats", "Pelican season"]


def test_only_a_plain_last_word_is_a_prefix(birds):
    assert titles(birds, '"serendipit"') == []  # quoted: the word itself
    assert titles(birds, "goats -serendipit") == ["Mountain goats"]  # not a prefix exclusion
    assert titles(birds, "se") == []  # too short to mean anything yet


def test_phrases_minus_and_or(birds):
    assert titles(birds, '"pelican on the pier"') == ["Harbour walk"]
    assert titles(birds, '"pier pelican"') == []
    assert titles(birds, "pelican -gulls") == [
        "Pelicans up close",
        "Pelican season",
        "Harbour walk",
    ]
    assert titles(birds, "beaks or gulls") == ["Tide tables", "Pelicans up close"]
    assert titles(birds, "hills") == ["Mountain goats"]  # tags are searched


def _reference(tenant, query):
    """The same answer computed the slow, obvious way: every match, sorted in Python."""
    with tenant_context(tenant), connection.cursor() as cursor:
        q_sql, params = search.tsquery_sql(query=query, config="english")
        cursor.execute(
            f"SELECT title, published_at, id, coalesce(title_vector @@ {q_sql}, false) "  # noqa: S608
            f"FROM blog_post WHERE status = 'published' AND kind = 'post' "
            f"AND search_vector @@ {q_sql}",
            params + params,
        )
        rows = cursor.fetchall()
    rows.sort(key=lambda r: (not r[3], -r[1].timestamp(), -r[2]))
    return [r[0] for r in rows[:10]]


QUERIES = ["pelican", "pelic", '"pelican on the pier"', "pelican -gulls", "beaks or gulls", "x"]
PLANS = [
    [],
    ["enable_bitmapscan = off"],
    ["enable_indexscan = off"],
    ["enable_indexscan = off", "enable_bitmapscan = off"],
]


@pytest.mark.parametrize("settings", PLANS, ids=lambda s: ",".join(s) or "default")
def test_the_same_first_page_whatever_the_plan(birds, settings):
    # A common word walks the date index, a rare one sorts its GIN matches: both must agree
    # with each other and with every match sorted the obvious way.
    for n in range(30):
        add(birds, f"Filler {n}", "pelican " if n % 3 else "gulls", days_ago=n % 7)
    for query in QUERIES:
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in settings:
                cursor.execute(f"SET LOCAL {setting}")
            assert titles(birds, query) == _reference(birds, query), (query, settings)


def test_pagination_goes_on_past_the_title_matches(tenant):
    for n in range(8):
        add(tenant, f"Owl {n}", "", days_ago=n)
    for n in range(8):
        add(tenant, f"Night {n}", "an owl", days_ago=n)
    first, second = titles(tenant, "owl"), titles(tenant, "owl", page=2)
    assert first == [f"Owl {n}" for n in range(8)] + ["Night 0", "Night 1"]
    assert second == [f"Night {n}" for n in range(2, 8)]


WORDS = {
    "english": "Gardening",
    "simple": "Gardening",
    "german": "Häuser",
    "french": "maisons",
    "spanish": "canciones",
    "italian": "giardini",
    "portuguese": "canções",
    "dutch": "huizen",
    "swedish": "trädgårdar",
    "norwegian": "hagene",
    "danish": "haverne",
    "finnish": "taloissa",
    "russian": "домами",
    "turkish": "evlerde",
}


def test_every_language_has_a_word_here():
    assert set(WORDS) == set(Tenant.Language.values)


@pytest.mark.parametrize("language", sorted(WORDS))
def test_every_language_configuration(tenant, language):
    Tenant.objects.filter(id=tenant.id).update(language=language)
    tenant.language = language
    word = WORDS[language]
    add(tenant, f"{word} today", "Body text.")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT title_vector = setweight(to_tsvector(%s::regconfig, title), 'A') "
            "FROM blog_post",
            [language],
        )
        assert cursor.fetchone() == (True,)  # built with the blog's language
    assert titles(tenant, word) == [f"{word} today"]
    assert titles(tenant, word[:-2]) == [f"{word} today"]  # typed so far
    assert titles(tenant, f"-{word} body") == []


def test_search_never_crosses_blogs(birds, other_tenant):
    add(other_tenant, "Pelican serendipity", "pelican pelican", days_ago=0)
    for query in ("pelican", "serendipit", "pelic", "pelican or goats"):
        assert "Pelican serendipity" not in titles(birds, query)
        assert all(
            t == "Pelican serendipity" for t in titles(other_tenant, query)
        ), query  # fmt: skip
    body = json.loads(host_client(birds).get("/search/suggest/serendipit/").content)
    assert [r["title"] for r in body["results"]] == ["Mountain goats"]
    other = json.loads(host_client(other_tenant).get("/search/suggest/serendipit/").content)
    assert [r["title"] for r in other["results"]] == ["Pelican serendipity"]


def test_suggestions_as_the_reader_types(birds):
    client = host_client(birds)
    response = client.get("/search/suggest/pelic/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["query"] == "pelic"
    assert body["results"][:2] == [
        {"title": "Pelicans up close", "url": "/pelicans-up-close/"},
        {"title": "Pelican season", "url": "/pelican-season/"},
    ]
    assert response["X-Cache"] == "miss"
    assert client.get("/search/suggest/pelic/")["X-Cache"] == "hit"  # like any reader page
    add(birds, "Pelican news", "", days_ago=0)
    with tenant_context(birds):
        blog_changed()  # as every post service does: the cached answer is retired
    fresh = json.loads(client.get("/search/suggest/pelic/").content)
    assert fresh["results"][0]["title"] == "Pelican news"


@pytest.mark.parametrize("raw", ['"', "%20", '"!!! & | :: (', "x" * 300, "a%00b", "or or"])
def test_suggestions_for_odd_input_are_empty_not_errors(birds, raw):
    response = host_client(birds).get(f"/search/suggest/{raw}/")
    assert response.status_code == 200
    assert json.loads(response.content)["results"] == []


def test_new_blogs_get_the_title_index_from_the_template(tenant):
    def definition(schema):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s "
                "AND indexname = 'post_title_gin'",
                [schema],
            )
            row = cursor.fetchone()
        return row and row[0].replace(schema, "S")

    assert definition(tenant.schema_name) == definition("t_template")
    assert "USING gin (title_vector)" in definition(tenant.schema_name)


def test_new_blogs_keep_the_larger_word_statistics(tenant):
    # Without them ANALYZE takes a rare word for a common one and search walks the blog.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, a.attname, a.attstattarget FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'blog_post' AND n.nspname IN (%s, 't_template') "
            "AND a.attname IN ('search_vector', 'title_vector')",
            [tenant.schema_name],
        )
        targets = {(schema == "t_template", column): n for schema, column, n in cursor.fetchall()}
    assert targets == {
        (template, column): 1000
        for template in (True, False)
        for column in ("search_vector", "title_vector")
    }


def test_the_migration_fills_title_vectors_in_the_blog_language(tenant):
    Tenant.objects.filter(id=tenant.id).update(language="german")
    tenant.language = "german"
    add(tenant, "Die Häuser", "Text.")
    migration = importlib.import_module("blog.migrations.0003_post_title_vector")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("UPDATE blog_post SET title_vector = NULL")
        cursor.execute(migration._FILL_SQL)
        cursor.execute("SELECT title_vector::text FROM blog_post")
        assert "'haus':" in cursor.fetchone()[0]
