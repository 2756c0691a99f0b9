from django.db import models
from django.db.models.functions import Upper
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """A blog. Its posts live in its own schema, whose name is opaque (`t_...`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        DELETED = "deleted", "Deleted"  # soft-deleted: offline, schema dropped after a grace period

    class Language(models.TextChoices):
        """The blog's language; also the PostgreSQL text search configuration of the same name."""

        ENGLISH = "english", "English"
        SIMPLE = "simple", "Other (no stemming)"
        GERMAN = "german", "German"
        FRENCH = "french", "French"
        SPANISH = "spanish", "Spanish"
        ITALIAN = "italian", "Italian"
        PORTUGUESE = "portuguese", "Portuguese"
        DUTCH = "dutch", "Dutch"
        SWEDISH = "swedish", "Swedish"
        NORWEGIAN = "norwegian", "Norwegian"
        DANISH = "danish", "Danish"
        FINNISH = "finnish", "Finnish"
        RUSSIAN = "russian", "Russian"
        TURKISH = "turkish", "Turkish"

    name = models.CharField(max_length=100)
    subdomain = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    language = models.CharField(max_length=20, choices=Language.choices, default=Language.ENGLISH)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Schemas are made by tenants.services (a clone of the template schema, in the same
    # transaction as this row), never by django-tenants' save() hook.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # django-tenants' save() checks `schema_name__iexact` for a new blog, i.e.
            # `UPPER(schema_name::text) = UPPER(%s)`: without this index that read the whole
            # table at every signup (a seq scan of 10,000 rows at 10,000 blogs).
            models.Index(Upper("schema_name"), name="tenants_tenant_schema_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.subdomain})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    """A host name that serves a blog (`acme.example.com`)."""

    def __str__(self) -> str:
        return self.domain


class SpareSchema(models.Model):
    """A migrated, empty blog schema waiting for a signup (the warm pool)."""

    schema_name = models.CharField(max_length=63, unique=True)
    # Fingerprint of the migration graph the schema was brought up to (tenants.fleet).
    migration_state = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.schema_name


class SchemaMigration(models.Model):
    """Where each schema stands in the last fleet migration that touched it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    schema_name = models.CharField(max_length=63, unique=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run_id = models.CharField(max_length=32, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    applied = models.PositiveIntegerField(default=0, help_text="migrations applied in this run")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Fingerprint of the migration set (tenants.fleet.migration_state) the schema was brought
    # up to, set only with status `done`: migrate_fleet skips a schema whose `done` row carries
    # the code's fingerprint without reading the schema. Empty: unknown, check the schema.
    migration_state = models.CharField(max_length=64, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return f"{self.schema_name}: {self.status}"


class PublishSchedule(models.Model):
    """The next time a blog has a scheduled post due, so that the minute-by-minute publisher
    only opens the schemas that have work."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    next_due_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.tenant_id} due {self.next_due_at:%Y-%m-%d %H:%M}"


class CustomDomain(models.Model):
    """A blog's own domain (`blog.example.org`), claimed by its owner and proven by DNS.

    One per blog (the one-to-one) and one blog per domain (the unique index): two blogs racing
    for a name get one winner. Stored as punycode. Once verified it also gets a `Domain` row,
    which is what routing serves; removing it removes that row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="custom_domain")
    domain = models.CharField(max_length=253, unique=True)
    token = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(blank=True)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Backoff of the periodic re-check (tasks.domains): attempts so far and when to look next.
    attempts = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.domain

    @property
    def display(self) -> str:
        """The name as people write it (Unicode for IDNs)."""
        try:
            return self.domain.encode("ascii").decode("idna")
        except UnicodeError:
            return self.domain
