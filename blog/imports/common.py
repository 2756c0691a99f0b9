"""What every reader produces, and the error it raises when a file cannot be read."""

from dataclasses import dataclass, field
from datetime import datetime

from blog.access import tier_choices
from blog.models import Post
from lib.errors import ApplicationError


class ImportRefused(ApplicationError):
    """The file cannot be imported at all; `message` says why and what to do."""


@dataclass
class ImportItem:
    """One post or page as read from a file. `source_key` identifies it across re-runs."""

    source_key: str
    title: str
    body: str  # Markdown
    kind: str = "post"  # post | page
    slug: str = ""
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "draft"  # draft | scheduled | published
    published_at: datetime | None = None
    author_email: str = ""
    cover_image_url: str = ""
    meta_description: str = ""
    canonical_url: str = ""
    old_slugs: list[str] = field(default_factory=list)  # earlier URLs, answering 301
    # Who may read all of it (Post.Visibility), and for "tiers" this blog's tier ids. None:
    # the format has no such thing (a new post is public, one imported before keeps its own).
    # The body keeps the paywall marker line where the file had it.
    visibility: str | None = None
    access_tiers: list[int] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # remote image URLs in body and cover
    notes: list[str] = field(default_factory=list)  # what was changed on the way in
    # Its comments as read, for the apps that import them (blog.transfer's hooks; blog never
    # writes them): plain dicts with "id" and "parent" (the file's ids, "" for a top-level
    # comment), "status" ("approved", "pending", "spam" or "deleted"), "reason" (why held,
    # may be ""), "author_name", "author_email", "author_url", "ip", "created_at" (an aware
    # datetime or None) and "body" (Markdown).
    comments: list[dict] = field(default_factory=list)


@dataclass
class Parsed:
    format: str
    items: list[ImportItem] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"title", "reason"}
    # Comments found in the file, whether or not an item carries them: what is not imported
    # is reported as this count less the comments imported or found already imported.
    comments: int = 0
    settings: dict | None = None  # Quire's own export only
    members: list[dict[str, str]] = field(default_factory=list)  # Quire's own export only
    # Quire's own export only: the parts other apps restore (blog.transfer), by key.
    sections: dict[str, list[dict]] = field(default_factory=dict)
    # Quire's own export only: its images, [{"url" (in the old blog), "name", "file" (in the
    # zip), "data" (bytes, filled by the zip reader)}]
    media: list[dict] = field(default_factory=list)

    def skip(self, title: str, reason: str) -> None:
        self.skipped.append({"title": title or "(untitled)", "reason": reason})


VISIBILITIES = tuple(Post.Visibility.values)


def tiers_match(*, names: list[str], ids: list[int]) -> list[int]:
    """This blog's tier ids for tiers a file names: by name (any case) when the file gives
    names (another blog's ids mean nothing here), else the ids this blog has."""
    choices = tier_choices()
    if names:
        by_name = {name.strip().casefold(): tier_id for tier_id, name in choices}
        found = [by_name.get(name.strip().casefold()) for name in names]
        return sorted({tier_id for tier_id in found if tier_id is not None})
    known = {tier_id for tier_id, _name in choices}
    return sorted({tier_id for tier_id in ids if tier_id in known})


def item_access_set(
    item: ImportItem, *, visibility: str, tier_names: list[str], tier_ids: list[int], source: str
) -> None:
    """Give `item` the visibility a file states, never less than it asks for: a value this
    blog does not know makes a draft for paying members, and chosen tiers of which none is
    found here become "paid" (paying members), each with a note saying what to check."""
    if visibility not in VISIBILITIES:
        item.visibility, item.access_tiers = Post.Visibility.PAID, []
        item.status, item.published_at = "draft", None
        item.notes.append(
            f"visibility {visibility[:40]!r} in {source} is not one of "
            f"{', '.join(VISIBILITIES)}: imported as a draft for paying members; choose who "
            "may read it in the editor"
        )
        return
    item.visibility, item.access_tiers = visibility, []
    if visibility != Post.Visibility.TIERS:
        return
    item.access_tiers = tiers_match(names=tier_names, ids=tier_ids)
    if not item.access_tiers:
        item.visibility = Post.Visibility.PAID
        named = f" ({', '.join(n[:40] for n in tier_names[:5])})" if tier_names else ""
        item.notes.append(
            f"for chosen tiers{named} in {source}, none of which this blog has: imported for "
            "all paying members; choose its tiers in the editor"
        )
