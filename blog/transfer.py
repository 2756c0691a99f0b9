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
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

from blog.imports.common import ImportItem
from blog.models import Post
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
    """Run every registered hook (called by the import writer)."""
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
