"""The reader's search page and the search index (blog/search.py)."""

from io import StringIO
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog import search
from blog.models import Post
from blog.rendering import markdown_render
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.conftest import host_client
from tests.html import active_content


def add_posts(tenant, *posts, status="published"):
    with tenant_context(tenant):
        for title, body, tags in posts:
            Post.objects.create(
                title=title, slug=title.lower().replace(" ", "-"), body=body, tags=tags,
                status=status, excerpt="", body_html=markdown_render(body),
            )  # fmt: skip
        search.search_index_rebuild(config=search.search_config(tenant=tenant))


def results(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def zoo(tenant):
    add_posts(
        tenant,
        ("Pelicans at dawn", "Big birds by the sea. The harbour was quiet.", ["birds"]),
        ("Harbour notes", "Boats, gulls and one pelican in the harbour.", ["sea"]),
        ("Mountain goats", "Goats climb. No birds were harmed.", ["hills"]),
    )
    return tenant


def test_ranked_results_with_highlighted_snippets(zoo):
    html = results(host_client(zoo), "pelican")
    assert html.index("Pelicans at dawn") < html.index("Harbour notes")  # title weighs more
    assert "Mountain goats" not in html
    assert "<mark>pelican</mark>" in html


def test_web_search_syntax_phrases_or_and_minus(zoo):
    client = host_client(zoo)
    html = results(client, '"one pelican"')
    assert "Harbour notes" in html and "Pelicans at dawn" not in html
    html = results(client, "goats or gulls")
    assert "Mountain goats" in html and "Harbour notes" in html
    html = results(client, "birds -goats")
    assert "Pelicans at dawn" in html and "Mountain goats" not in html


def test_drafts_and_other_blogs_are_never_found(zoo, other_tenant):
    add_posts(zoo, ("Secret pelican plan", "pelican draft", []), status="draft")
    add_posts(other_tenant, ("Bravo pelicans", "pelican pelican", ["birds"]))
    html = results(host_client(zoo), "pelican")
    assert "Secret pelican plan" not in html and "Bravo pelicans" not in html
    other = results(host_client(other_tenant), "pelican")
    assert "Bravo pelicans" in other and "Pelicans at dawn" not in other


def test_snippets_show_text_not_markdown_syntax(tenant):
    add_posts(tenant, ("Styled", "Some **bold pelican** & [a link](https://example.com)", []))
    html = results(host_client(tenant), "pelican")
    snippet = html.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "**" not in snippet and "](" not in snippet
    assert "bold <mark>pelican</mark>" in snippet
    assert "&amp; a link" in snippet  # an ampersand, escaped once


def test_snippets_escape_what_the_writer_typed(tenant):
    add_posts(tenant, ("Tricky", "<script>alert(1)</script> pelican <b>bold</b>", []))
    html = results(host_client(tenant), "pelican")
    snippets = html.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "<mark>pelican</mark>" in snippets
    assert active_content(snippets) == []
    assert "<b>" not in snippets and "<script" not in snippets


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a word or two"),
        ("   ", "Type a word or two"),
        ("x" * 201, "too long"),
        ('"!!! & | :: (', "No posts match"),
        ("the of a", "No posts match"),
        ("-", "No posts match"),
        ("or or or", "No posts match"),
        ("pelican\x00", "Pelicans at dawn"),
    ],
)
def test_empty_huge_or_nonsense_queries_get_a_friendly_page(zoo, query, message):
    client = host_client(zoo)
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_results_are_paginated(tenant):
    add_posts(tenant, *[(f"Pelican {i}", "pelican", []) for i in range(12)])
    client = host_client(tenant)
    first = results(client, "pelican")
    assert first.count('<h2><a href="/pelican-') == 10 and "More results" in first
    second = results(client, "pelican", page=2)
    assert second.count('<h2><a href="/pelican-') == 2 and "More results" not in second
    assert results(client, "pelican", page="abc").count('<h2><a href="/pelican-') == 10


def test_vectors_use_the_blog_language(tenant):
    Tenant.objects.filter(id=tenant.id).update(language="german")
    tenant.language = "german"
    add_posts(tenant, ("Die Häuser am See", "Viele Häuser", []))
    with tenant_context(tenant):
        vector = Post.objects.values_list("search_vector", flat=True).get()
    assert "'haus':" in vector  # German stemming; English would keep 'häuser'
    from tenants.routing import tenant_routing_invalidate

    tenant_routing_invalidate(tenant)
    assert "Die Häuser am See" in results(host_client(tenant), "Haus")


def test_search_page_runs_few_queries(zoo, django_assert_max_num_queries):
    client = host_client(zoo)
    client.get("/")  # routing cached
    with django_assert_max_num_queries(3):
        html = results(client, "pelican")
    assert "Pelicans at dawn" in html and "Harbour notes" in html
    assert "Mountain goats" not in html and "<mark>pelican</mark>" in html


def test_rebuild_search_command_for_one_blog_and_for_all(zoo, other_tenant, capsys):
    add_posts(other_tenant, ("Bravo", "words", []))
    with tenant_context(zoo):
        Post.objects.update(search_vector=None)
    out = StringIO()
    call_command("rebuild_search", "--tenant", "ALPHA", stdout=out)
    assert "rebuilt 3 search vectors of alpha" in out.getvalue()
    assert "posts [" in capsys.readouterr().err  # the progress bar
    with tenant_context(zoo):
        assert not Post.objects.filter(search_vector__isnull=True).exists()

    out = StringIO()
    call_command("rebuild_search", stdout=out)
    assert "rebuilt 4 search vectors in 2 blogs" in out.getvalue()
    with pytest.raises(CommandError, match="No blog with the subdomain 'nope'"):
        call_command("rebuild_search", "--tenant", "nope")


def test_rebuild_resumes_from_its_checkpoint_and_is_safe_twice(tenant):
    from django.core.cache import cache

    add_posts(tenant, *[(f"Post {i}", "text", []) for i in range(5)])
    with tenant_context(tenant):
        ids = list(Post.objects.order_by("id").values_list("id", flat=True))
        Post.objects.update(search_vector=None)
        cache.set(f"search:rebuild:{tenant.schema_name}:english", ids[2])  # as if killed after 3
        assert search.search_index_rebuild(config="english", batch=2) == 2
        assert Post.objects.filter(search_vector__isnull=True).count() == 3
        assert (
            search.search_index_rebuild(config="english", batch=2) == 5
        )  # checkpoint gone: a full run
        assert search.search_index_rebuild(config="english", batch=2) == 5
        assert not Post.objects.filter(search_vector__isnull=True).exists()


_SYNTAX = list("!&|():*<->-\"' ") + ["<->", "<2>", " or ", " -", "--", ":*", "\\"]
_pieces = st.one_of(
    st.sampled_from(_SYNTAX),
    st.text(max_size=8),  # any Unicode
    st.sampled_from(["pelican", "harbour", "goats", "the"]),
    st.builds(lambda piece, n: piece * n, st.sampled_from(_SYNTAX), st.integers(1, 120)),
)
hostile_queries = st.lists(_pieces, max_size=30).map("".join)


@pytest.mark.parametrize("query", ["-" * 40, "-" * 200, "- " * 100, "x " + "-" * 60 + "goats"])
def test_runs_of_minus_signs_get_a_page(zoo, query):
    assert "No posts match" in results(host_client(zoo), query) or "Goats" in results(
        host_client(zoo), query
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=hostile_queries)
def test_any_query_up_to_the_limit_gives_a_page(zoo, query):
    cache.clear()  # the rate limit: this is one reader searching 150 times
    client = host_client(zoo)
    query = query[: search.MAX_QUERY_LENGTH]
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200, query
    suggest = client.get(f"/search/suggest/{quote(query, safe='')}/") if query.strip() else None
    assert suggest is None or suggest.status_code in (200, 404), query
