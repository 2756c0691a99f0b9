"""The API's own rows, in each blog's schema (a token of one blog does not exist in another's).

Every table here is multiplied by the number of blogs: three small ones.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A member's personal access token for the Admin API of this blog.

    Only the SHA-256 of the token is stored; the token itself is shown once, when made.
    It acts with its member's current role (read from the membership on every request).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # public schema: no database-level foreign key (see DESIGN.md)
        related_name="+",
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)  # the token's start, to tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ContentApiConfig(models.Model):
    """The Content API's key (one row, id 1, made on first use) and whether it is public."""

    content_key = models.CharField(max_length=64)
    public = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "content API"


class IdempotencyRecord(models.Model):
    """`Idempotency-Key` of an Admin API create -> the post it made, for 24 hours."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    post_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_token_key")
        ]

    def __str__(self) -> str:
        return self.key
