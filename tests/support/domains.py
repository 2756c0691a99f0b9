"""Custom domains verified against a real DNS server (`dns_server`, tests/conftest.py)."""

from tenants import domains
from tenants.models import CustomDomain

TARGET = "edge.quire.test"
APEX_IP = "203.0.113.10"


def domain_add(tenant, name: str, token: str) -> CustomDomain:
    custom = domains.custom_domain_add(tenant=tenant, domain=name, actor=tenant.owner)
    CustomDomain.objects.filter(pk=custom.pk).update(token=token)
    return custom


def domain_verify(custom: CustomDomain) -> CustomDomain:
    return domains.custom_domain_verify(custom_domain_id=custom.pk)


def txt_record(name: str, token: str) -> str:
    return f"--txt-record=_quire-challenge.{name},quire-verify={token}"


def verified_domain(tenant, name: str, dns_server) -> CustomDomain:
    custom = domain_add(tenant, name, "tokv")
    dns_server(f"--cname={name},{TARGET}", txt_record(name, "tokv"))
    custom = domain_verify(custom)
    assert custom.status == "verified", custom.reason
    return custom
