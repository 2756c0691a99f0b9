"""A blog's email audience: subscribers, newsletter sends and one delivery row per person.

Three tables in each blog's schema (every table is multiplied by the number of blogs): the
blog's own settings for them (form on/off, the editor's remembered checkbox) live on
`blog.BlogSettings`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Subscriber(models.Model):
    """One address subscribed to this blog. Emails are stored lowercased (unique)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"  # hard bounce or rejected: never mailed again
        COMPLAINED = "complained", "Marked as spam"

    email = models.EmailField(max_length=254)
    # What a member signed in by link chose to be called (shown with their comments).
    name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # "form", "import" or "restore" (a blog import): where the address came from.
    source = models.CharField(max_length=8, default="form")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the last confirmation mail went out (the form resends at most this often).
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # unsubscribed, bounced...

    class Meta:
        ordering = ["-created_at", "-id"]
        # A constraint rather than unique=True: no second (LIKE) index beside it.
        constraints = [models.UniqueConstraint(fields=["email"], name="subscriber_email_unique")]

    def __str__(self) -> str:
        return self.email


class Newsletter(models.Model):
    """One post sent (or to be sent) to the blog's subscribers, or a test to one member."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Waiting for the post to go live"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DONE = "done", "Sent"
        CANCELED = "canceled", "Canceled"

    # Indexed by the unique constraint below.
    post = models.ForeignKey(
        "blog.Post", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Who asked; public schema, so no database-level foreign key (as Post.author).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    recipients = models.PositiveIntegerField(default=0)  # deliveries made when sending began
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A post is emailed to the subscribers once, whatever is clicked or redelivered.
            models.UniqueConstraint(fields=["post"], name="newsletter_one_per_post"),
        ]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One newsletter to one subscriber: claimed before the mail goes out, marked after.

    The row is what lets a send resume after a worker dies mid-send with every address sent
    once: see `audience.sending` for the order of the steps and the one message per
    connection that can be in doubt (`ending`, sent again with the same Message-ID).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        ENDING = "ending", "Ending"  # its final "." may be at the server: in doubt
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"  # unsubscribed or bounced before its turn

    # Indexed by the unique constraint below. No link to the subscriber row: a removed
    # subscriber's deliveries stay (the send's figures stay true), joined by address.
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # temporary failures
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "email"], name="delivery_one_per_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"
