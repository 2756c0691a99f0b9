"""The one place the rest of the code takes its schema switching from."""

from tenants.schemas import schema_context, tenant_context

__all__ = ["schema_context", "tenant_context"]
