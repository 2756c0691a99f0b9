"""Count a blog's usage inside its schema and hand the figures to billing.

Here, not in billing: only tenants/ switches schemas, and billing imports nothing from tenants.
"""

from django.apps import apps
from django.db import connection
from django.db.models import Sum

from shared.accounts.models import Membership
from shared.billing import services as billing_services
from shared.billing.models import TenantUsage
from tenants.context import schema_context
from tenants.models import Tenant

_STORAGE_SQL = """
SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'm')
"""


def usage_refresh(*, schema_name: str) -> TenantUsage | None:
    """Count one blog's posts, members and storage and store them (idempotent).

    The post model is looked up by name: tenants/ does not import the blog app.
    """
    tenant = Tenant.objects.filter(schema_name=schema_name).first()
    if tenant is None or tenant.status == Tenant.Status.DELETED:
        return None
    post_model = apps.get_model("blog", "Post")
    with schema_context(schema_name):
        posts = post_model.objects.count()
        published = post_model.objects.filter(status="published").count()
        with connection.cursor() as cursor:
            cursor.execute(_STORAGE_SQL, [schema_name])
            (storage,) = cursor.fetchone()
        files = apps.get_model("media", "MediaFile").objects.aggregate(total=Sum("size"))
        storage += files["total"] or 0  # uploaded images and their copies
    return billing_services.usage_store(
        tenant_id=tenant.id,
        posts=posts,
        published_posts=published,
        members=Membership.objects.filter(tenant_id=tenant.id).count(),
        storage_bytes=int(storage),
    )
