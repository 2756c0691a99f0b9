"""Reads for tenants."""

from django.http import HttpRequest

from lib.urls import absolute_url, blog_host, blog_url
from tenants.models import Domain, PublishSchedule, Tenant


def subdomain_taken(*, subdomain: str) -> bool:
    return (
        Tenant.objects.filter(subdomain=subdomain).exists()
        or Domain.objects.filter(domain=blog_host(subdomain)).exists()
    )


def tenant_primary_host(*, tenant: Tenant) -> str:
    host = (
        Domain.objects.filter(tenant=tenant, is_primary=True)
        .values_list("domain", flat=True)
        .first()
    )
    return host or blog_host(tenant.subdomain)


def tenant_url(*, tenant: Tenant, request: HttpRequest | None = None, path: str = "/") -> str:
    """Absolute URL on the blog's platform subdomain (lib.urls.blog_url)."""
    return blog_url(subdomain=tenant.subdomain, request=request, path=path)


def tenant_reader_url(
    *, tenant: Tenant, request: HttpRequest | None = None, path: str = "/"
) -> str:
    """Absolute URL of a reader page: on the primary custom domain when there is one."""
    return absolute_url(tenant_primary_host(tenant=tenant), request=request, path=path)


def schema_name_batches(*, size: int):
    """Yield the schema names of every blog, `size` at a time, in a stable order."""
    last_id = 0
    while True:
        rows = list(
            Tenant.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "schema_name")[:size]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        yield [schema for _id, schema in rows]


def tenants_by_schema(*, schema_names: list[str]) -> list[Tenant]:
    return list(Tenant.objects.filter(schema_name__in=schema_names).order_by("id"))


def due_schema_batches(*, now, size: int):
    """Schema names of the blogs with a scheduled post due by `now`, `size` at a time."""
    names = list(
        PublishSchedule.objects.filter(next_due_at__lte=now, tenant__status=Tenant.Status.ACTIVE)
        .order_by("next_due_at")
        .values_list("tenant__schema_name", flat=True)
    )
    for start in range(0, len(names), size):
        yield names[start : start + size]


def tenant_language(*, schema_name: str) -> str | None:
    return Tenant.objects.filter(schema_name=schema_name).values_list("language", flat=True).first()
