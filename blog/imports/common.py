"""What every reader produces, and the error it raises when a file cannot be read."""

from dataclasses import dataclass, field
from datetime import datetime

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
