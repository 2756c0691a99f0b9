"""The steps of bench/search that run inside Django (`manage.py shell -c ...`); each prints
one JSON line for the driver."""

import io
import json
import time
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F, Func, TextField, Value

from bench.search_corpus import document_frequencies, documents, pick_word
from blog import search
from blog.models import Post
from blog.services.posts import post_update
from shared.accounts.models import User
from tenants import services
from tenants.context import tenant_context
from tenants.models import Tenant

SUBDOMAIN = "search"
_COLUMNS = (
    "kind, title, slug, old_slugs, body, body_html, excerpt, summary, meta_description, "
    "canonical_url, cover_image_url, metadata, tags, status, published_at, created_at, updated_at"
)


def _tenant() -> Tenant:
    tenant = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
    if tenant is None:
        owner = User.objects.filter(email="search@example.org").first() or (
            User.objects.create_user(email="search@example.org", password="bench-password-1")
        )
        with transaction.atomic():
            tenant = services.tenant_provision(subdomain=SUBDOMAIN, name="Search", owner=owner)
    return tenant


def _emit(**figures) -> None:
    print(json.dumps(figures, default=str), flush=True)


def seed(count: int) -> None:
    """Make (or reuse) the blog with `count` posts; print the query words picked from the
    corpus by how many posts contain them."""
    started = time.perf_counter()
    docs = list(documents(count))
    df = document_frequencies(docs)
    tenant = _tenant()
    seeded = False
    with tenant_context(tenant):
        if Post.objects.count() != count:
            Post.objects.all().delete()
            now = datetime(2026, 11, 1, tzinfo=UTC)
            buffer = io.StringIO()
            for n, doc in enumerate(docs):
                when = (now - timedelta(minutes=7 * n)).isoformat()
                row = [
                    "post", doc.title, f"p-{n}", "{}", doc.body, f"<p>{doc.body}</p>", "", "",
                    "", "", "", "{}", "{" + ",".join(doc.tags) + "}", "published", when, when,
                    when,
                ]  # fmt: skip
                buffer.write("\t".join(row) + "\n")
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY blog_post ({_COLUMNS}) FROM STDIN", buffer)
            seeded = True
    by_df = df.most_common()
    common = [word for word, _n in by_df[:2]]
    _emit(
        schema=tenant.schema_name,
        seeded=seeded,
        seconds=round(time.perf_counter() - started, 1),
        rare=pick_word(df, 300),
        mid=pick_word(df, 5000),
        two=[pick_word(df, 5000 * 2 // 3), pick_word(df, 5000 * 3 // 2)],
        common=pick_word(df, 90_000),
        phrase=common,
        df={w: df[w] for w in {pick_word(df, t) for t in (300, 5000, 90_000)} | set(common)},
    )


def _old_vector() -> SearchVector:
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("title", weight="A", config="english")
        + SearchVector(tags, weight="B", config="english")
        + SearchVector("excerpt", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def rebuild(mode: str) -> None:
    """Rewrite every vector as main did (`old`: the whole-post vector only, no title index)
    or as now (`new`: both vectors, title index present). Prints posts per second."""
    with tenant_context(_tenant()):
        if mode == "old":
            _sql("DROP INDEX IF EXISTS post_title_gin; UPDATE blog_post SET title_vector = NULL")
            started = time.perf_counter()
            last, done = 0, 0
            while True:
                upper = (
                    Post.objects.filter(id__gt=last).order_by("id")
                    .values_list("id", flat=True)[search.REBUILD_BATCH - 1 : search.REBUILD_BATCH]
                    .first()
                )  # fmt: skip
                bounds = {"id__gt": last} | ({"id__lte": upper} if upper else {})
                done += Post.objects.filter(**bounds).update(search_vector=_old_vector())
                if upper is None:
                    break
                last = upper
        else:
            _sql("CREATE INDEX IF NOT EXISTS post_title_gin ON blog_post USING gin (title_vector)")
            started = time.perf_counter()
            done = search.search_index_rebuild(config="english")
        seconds = time.perf_counter() - started
    _emit(mode=mode, posts=done, seconds=round(seconds, 1), rate=round(done / seconds))


def saves(mode: str, count: int) -> None:
    """`count` post saves through `post_update`, each followed by its vector refresh (what the
    worker does right after): `old` refreshes as main did, `new` and `rum` as now."""
    tenant = _tenant()
    with tenant_context(tenant):
        posts = list(Post.objects.order_by("?")[:count])
        started = time.perf_counter()
        for post in posts:
            with transaction.atomic():
                post_update(
                    tenant=tenant, post=post, title=post.title, body=post.body + " edited",
                    tags=post.tags,
                )  # fmt: skip
            if mode == "old":
                Post.objects.filter(id=post.id).update(search_vector=_old_vector())
            else:
                search.post_search_vector_refresh(post_id=post.id, config="english")
        seconds = time.perf_counter() - started
    _emit(mode=mode, saves=count, rate=round(count / seconds, 1))


def analyze() -> None:
    with tenant_context(_tenant()):
        _sql("VACUUM ANALYZE blog_post")
    _emit(done=True)


def rum(action: str) -> None:
    """`create`: the extension (once per database) and the RUM index; `drop`: the index."""
    with tenant_context(_tenant()):
        if action == "drop":
            _sql("DROP INDEX IF EXISTS post_search_rum")
            _emit(done=True)
            return
        started = time.perf_counter()
        _sql("CREATE EXTENSION IF NOT EXISTS rum WITH SCHEMA public")
        _sql(
            "CREATE INDEX IF NOT EXISTS post_search_rum ON blog_post "
            "USING rum (search_vector rum_tsvector_ops)"
        )
        _sql("ANALYZE blog_post")
        _emit(seconds=round(time.perf_counter() - started, 1))


def sizes() -> None:
    with tenant_context(_tenant()), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'i' "
            "AND c.relname IN ('post_search_gin', 'post_title_gin', 'post_search_rum', "
            "'post_published_idx')"
        )
        _emit(**dict(cursor.fetchall()))
