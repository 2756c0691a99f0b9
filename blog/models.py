import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


def tag_slug(tag: str) -> str:
    """A tag's URL part: 'first steps' -> 'first-steps' (tags are stored lowercased with single
    spaces, see `blog.services.tags_parse`). The tag's name is what readers see."""
    return "-".join(tag.split())


class Post(models.Model):
    """A blog post or a static page. Lives in the blog's own schema.

    Pages share this table (`kind`) rather than having one of their own: every table is
    multiplied by the number of blogs.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"  # published_at is in the future
        PUBLISHED = "published", "Published"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"  # not in the post list, feeds or archive; linked from navigation

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone"
        MEMBERS = "members", "Members (free and paid)"
        PAID = "paid", "Paying members"
        TIERS = "tiers", "Chosen tiers"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.POST)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    # Slugs this post answered to while published: they redirect (301) to the current one.
    old_slugs = ArrayField(models.CharField(max_length=220), default=list, blank=True)
    body = models.TextField(blank=True, help_text="Markdown")
    body_html = models.TextField(blank=True, editable=False)
    # Who reads all of it. A gated post's `body_html` is the part before the paywall marker
    # (what every surface shows); the rest is rendered into `gated_html`, which only the
    # readers' access check (memberships) and the newsletters to those with access read.
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Tier ids when visibility is "tiers" (memberships' tiers; blog does not interpret them).
    access_tiers = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    gated_html = models.TextField(blank=True, editable=False)
    # `excerpt` is what the writer typed (may be empty); `summary` is what readers see: the
    # excerpt, or the start of the body when the excerpt is empty.
    excerpt = models.TextField(blank=True)
    summary = models.TextField(blank=True, editable=False)
    meta_description = models.CharField(max_length=300, blank=True)
    canonical_url = models.URLField(max_length=500, blank=True)
    cover_image_url = models.URLField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    # The author lives in the public schema: no database-level foreign key, so the schema can
    # move to another node whole (see DESIGN.md). Integrity is kept by the services.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The title alone (small): search puts title matches first by filtering on it, rather than
    # ranking every match of the whole vector (see blog/search.py).
    title_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(
                fields=["-published_at"],
                name="post_published_idx",
                condition=models.Q(status="published"),
            ),
            GinIndex(fields=["tags"], name="post_tags_gin"),
            GinIndex(fields=["old_slugs"], name="post_old_slugs_gin"),
            GinIndex(fields=["search_vector"], name="post_search_gin"),
            GinIndex(fields=["title_vector"], name="post_title_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_gated(self) -> bool:
        return self.visibility != self.Visibility.PUBLIC

    @property
    def is_page(self) -> bool:
        return self.kind == self.Kind.PAGE

    @property
    def tag_links(self) -> list[tuple[str, str]]:
        """(name, slug) of each tag, for links to /tag/<slug>/."""
        return [(tag, tag_slug(tag)) for tag in self.tags]


class BlogSettings(models.Model):
    """The blog's look and words: one row per schema (id 1), made on first save.

    Until then the defaults below apply (see `selectors.blog_settings_get`).
    """

    class Theme(models.TextChoices):
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    title = models.CharField(max_length=100, blank=True, help_text="Empty: the blog's name.")
    tagline = models.CharField(max_length=200, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    accent = models.CharField(max_length=7, default="#3559e0")
    posts_per_page = models.PositiveSmallIntegerField(default=10)
    # [{"label": "About", "url": "/about/"}, ...]
    navigation = models.JSONField(default=list, blank=True)
    footer = models.CharField(max_length=500, blank=True)
    # Email subscriptions (audience/): the subscribe form on the home page and under posts,
    # and the editor's "Email this post to subscribers" box as the writer last left it.
    subscribe_form = models.BooleanField(default=True)
    email_posts = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "blog settings"

    def __str__(self) -> str:
        return self.title or "blog settings"


class PostRevision(models.Model):
    """One saved state of a post: what the writer saw after a save (post history).

    Kept lean (see `blog.services.revisions`): an autosave replaces the autosave before it,
    a save that changes nothing is not recorded, and a post keeps its newest
    `MAX_REVISIONS_PER_POST` revisions.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # Who saved it; public schema, so no database-level foreign key (as Post.author).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    autosave = models.BooleanField(default=False)
    # What made it: "" (the editor), "restore" (from another revision), "import".
    origin = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["post", "-created_at"], name="revision_post_idx")]

    def __str__(self) -> str:
        return f"{self.title} @ {self.created_at:%Y-%m-%d %H:%M}"


class TransferJob(models.Model):
    """An import or export of this blog, run by a Celery task (`tasks.imports`).

    The id is a UUID: status and download URLs name it. Live progress is kept in Redis
    (an import runs in one transaction, so rows it writes are invisible until the end); the
    final report is stored here.
    """

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    filename = models.CharField(max_length=255, blank=True)  # as uploaded, for display
    path = models.CharField(max_length=500, blank=True)  # in the private storage
    size = models.BigIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # exports: the link's end

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"
