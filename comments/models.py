"""Comments, likes and the blog's rules for them: three tables in each blog's schema.

A comment's author is one of: a reader signed in as a member (`member`, a confirmed
subscriber of this blog), a writer of the blog (`user`, public schema, no database-level
key), a guest who gave a name and an address (blogs open to everyone), or a remote author
(`remote_actor`: a fediverse actor's id, with its name and URL). Name, email and URL are kept
on the comment as given, so a comment outlives its member.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

BODY_LIMIT = 5_000  # characters of Markdown, stated in the form and the API


class CommentSettings(models.Model):
    """The blog's one row (id 1) of comment rules."""

    class Policy(models.TextChoices):
        OFF = "off", "Nobody (comments off)"
        PAID = "paid", "Paying members only"
        MEMBERS = "members", "Members: readers signed in with their email"
        EVERYONE = "everyone", "Everyone"

    class Moderation(models.TextChoices):
        NONE = "none", "Publish comments at once"
        FIRST = "first", "Hold a commenter's first comment for approval"
        ALL = "all", "Hold every comment for approval"

    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.MEMBERS)
    moderation = models.CharField(
        max_length=6, choices=Moderation.choices, default=Moderation.FIRST
    )
    # Comments close this many days after a post is published (None: never); a post's own
    # setting (Post.metadata["comments"]) wins.
    close_after_days = models.PositiveIntegerField(null=True, blank=True)
    max_links = models.PositiveSmallIntegerField(default=2)  # more than this: held
    held_words = models.TextField(blank=True)  # one per line: a comment with one is held
    # [{"kind": "email" | "ip" | "member", "value": "..."}]: their comments go to spam.
    blocks = models.JSONField(default=list, blank=True)
    akismet_key = models.CharField(max_length=64, blank=True)
    gravatar = models.BooleanField(default=False)  # off: no reader's address leaves Quire
    # {"<user id>": "each" | "digest" | "off"}: how each writer hears of comments on their
    # posts (absent: "each").
    notifications = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Comments: {self.policy}"


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        DELETED = "deleted", "Deleted"  # kept as a placeholder while it has replies

    class Source(models.TextChoices):
        FORM = "form", "This blog"
        IMPORT = "import", "Imported"
        FEDIVERSE = "fediverse", "The fediverse"

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        "audience.Subscriber", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(max_length=254, blank=True)
    author_url = models.URLField(max_length=300, blank=True)
    remote_actor = models.URLField(max_length=500, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    # Why a comment was held or marked spam ("first comment", "3 links", "akismet"...).
    reason = models.CharField(max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The form's one-time key: a double submit finds the comment already made.
    nonce = models.CharField(max_length=40, null=True, blank=True, unique=True)
    likes = models.PositiveIntegerField(default=0)
    notify_replies = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.post_id}"


class Like(models.Model):
    """A member's or writer's like of a post (`comment` empty) or of a comment."""

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    who = models.CharField(max_length=24)  # "m<subscriber id>" or "u<user id>"
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "comment", "who"], name="like_once", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.who} likes {self.comment_id or self.post_id}"
