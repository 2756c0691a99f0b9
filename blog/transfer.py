"""What apps above blog add to its imports and exports, registered in their `ready()` (blog
never imports them); each app writes and restores its own data.

Sections of a Quire export (audience's subscribers, comments' comments and likes): a section
has a key in `quire.json` (a list of objects), an `export()` that returns that list for the
current schema, and a `restore(tenant=, rows=, report=)` that puts the rows back in the
importing blog (within its plan) and notes what it did in `report`. Sections are restored in
the order they were registered (apps' order in INSTALLED_APPS), after the posts. A section's
rows name a post by its `source`, as the export's `posts` list does (`post_sources` on the
way out, `posts_by_source` on the way in: the importer stores it on the post).

Hooks run after the posts of any import are written (and its sections restored), in its
transaction: `hook(tenant=, items=, posts=, report=)` gets the file's items (`ImportItem`,
with what the reader kept for other apps, such as `comments`), `posts` (the index in `items`
of each item written, updated or found unchanged -> its post's id; items skipped are absent)
and the report to note what it did in.

Blog has a part of its own here, who may read each post (`Post.visibility`):
- the export section `post_access`: one row per gated post, `{"source", "visibility",
  "access_tiers": [{"id", "name"}]}` (posts not listed are public); `blog.imports.quire` reads
  it back onto its items, matching tiers by name;
- `posts_access_apply`, run before the registered hooks: each written post gets the
  visibility its item carries and its HTML split at the paywall marker. The bulk writer
  renders whole bodies; this re-renders, in the import's transaction (before any reader can
  see the post), every post that is gated or has a marker line.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

from blog import dispatch
from blog.access import tier_choices
from blog.cache import blog_changed
from blog.imports.common import ImportItem
from blog.models import Post
from blog.rendering import PAYWALL_MARKER, post_html_render
from blog.services.posts import _summary
from tenants.models import Tenant
from tenants.selectors import tenants_by_schema

SOURCE_KEY = "import_source"  # in Post.metadata: the key of the file's entry it came from


@dataclass(frozen=True)
class TransferSection:
    key: str
    export: Callable[[], list[dict]]
    restore: Callable[..., None]


PostsImportedHook = Callable[..., None]

_sections: dict[str, TransferSection] = {}
_posts_imported: list[PostsImportedHook] = []


def transfer_section_register(section: TransferSection) -> None:
    _sections[section.key] = section


def transfer_sections() -> list[TransferSection]:
    return list(_sections.values())


def posts_imported_register(hook: PostsImportedHook) -> None:
    if hook not in _posts_imported:  # a module imported twice registers once
        _posts_imported.append(hook)


def posts_imported(
    *, tenant: Tenant, items: list[ImportItem], posts: dict[int, int], report: dict
) -> None:
    """Blog's own `posts_access_apply`, then every registered hook (called by the import
    writer)."""
    posts_access_apply(tenant=tenant, items=items, posts=posts)
    for hook in _posts_imported:
        hook(tenant=tenant, items=items, posts=posts, report=report)


def post_source(post: Post, *, tenant_id: int) -> str:
    """How an export names a post: the key it was imported with, else this blog's own."""
    return post.metadata.get(SOURCE_KEY) or f"quire:{tenant_id}:{post.id}"


def post_sources() -> dict[int, str]:
    """Every post of the current schema's blog: its id -> its `source` in an export."""
    (blog,) = tenants_by_schema(schema_names=[connection.schema_name])
    return {
        post.id: post_source(post, tenant_id=blog.id)
        for post in Post.objects.only("id", "metadata").iterator(chunk_size=2000)
    }


def posts_by_source(*, sources: Iterable[str]) -> dict[str, int]:
    """The posts of the current schema imported with these sources: source -> post id."""
    wanted, found = sorted(set(sources)), {}
    for start in range(0, len(wanted), 500):
        rows = Post.objects.filter(**{f"metadata__{SOURCE_KEY}__in": wanted[start : start + 500]})
        found.update((post.metadata[SOURCE_KEY], post.id) for post in rows.only("id", "metadata"))
    return found


# --- who may read each post -------------------------------------------------------------------

ACCESS_SECTION = "post_access"
_CHUNK = 2000


def _post_access_export() -> list[dict]:
    """Every gated post of the current schema: its source, visibility and chosen tiers."""
    (blog,) = tenants_by_schema(schema_names=[connection.schema_name])
    names = dict(tier_choices())
    gated = Post.objects.exclude(visibility=Post.Visibility.PUBLIC).order_by("id")
    rows = []
    for post in gated.only("id", "metadata", "visibility", "access_tiers").iterator(
        chunk_size=_CHUNK
    ):
        row: dict = {"source": post_source(post, tenant_id=blog.id), "visibility": post.visibility}
        if post.access_tiers:
            row["access_tiers"] = [{"id": t, "name": names.get(t, "")} for t in post.access_tiers]
        rows.append(row)
    return rows


def _post_access_restore(*, tenant: Tenant, rows: list[dict], report: dict) -> None:
    """Nothing to do here: `blog.imports.quire` reads the rows onto its items, which
    `posts_access_apply` applies with the posts."""


transfer_section_register(
    TransferSection(key=ACCESS_SECTION, export=_post_access_export, restore=_post_access_restore)
)


def _access_wanted(item: ImportItem, *, visibility: str, tiers: list[int]) -> tuple[str, list]:
    """What `item` asks for; an item without a visibility keeps the post's."""
    if item.visibility is not None:
        visibility, tiers = item.visibility, list(item.access_tiers)
    if visibility == Post.Visibility.TIERS and not tiers:
        visibility = Post.Visibility.PAID  # never less than "members of some tier"
    return visibility, sorted(set(tiers)) if visibility == Post.Visibility.TIERS else []


def posts_access_apply(*, tenant: Tenant, items: list[ImportItem], posts: dict[int, int]) -> None:
    """Set the visibility of the posts an import wrote (`posts`: item index -> post id) and
    render each gated post, or one whose body has the paywall marker, as a save does
    (`post_html_render`: body_html is the public part, gated_html the rest). A post whose
    visibility changed is searched again and its cached pages are retired."""
    item_of = {post_id: items[index] for index, post_id in posts.items()}
    ids = sorted(item_of)
    wanted: dict[int, tuple[str, list]] = {}
    changed: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = Post.objects.filter(id__in=ids[start : start + _CHUNK])
        for post_id, visibility, tiers in rows.values_list("id", "visibility", "access_tiers"):
            item = item_of[post_id]
            access = _access_wanted(item, visibility=visibility, tiers=tiers)
            if access != (visibility, sorted(tiers)):
                changed.add(post_id)
            gated = access[0] != Post.Visibility.PUBLIC
            if gated or post_id in changed or PAYWALL_MARKER in item.body:
                wanted[post_id] = access
    if not wanted:
        return
    fields = ["visibility", "access_tiers", "body_html", "gated_html", "summary"]
    todo = sorted(wanted)
    for start in range(0, len(todo), _CHUNK):
        batch = list(Post.objects.filter(id__in=todo[start : start + _CHUNK]))
        for post in batch:
            post.visibility, post.access_tiers = wanted[post.id]
            post.body_html, post.gated_html = post_html_render(
                body=post.body, visibility=post.visibility
            )
            post.summary = _summary(excerpt=post.excerpt, body_html=post.body_html)
            if post.id in changed:
                post.search_vector = None  # the index of a gated post holds its public part
        Post.objects.bulk_update(batch, [*fields, "search_vector"], batch_size=500)
    if changed:
        dispatch.search_fill(schema_name=tenant.schema_name)
    blog_changed(post_ids=todo if len(todo) <= _PURGE_ONE_BY_ONE else None)


_PURGE_ONE_BY_ONE = 100  # more posts than this: the whole blog's pages are retired at once
