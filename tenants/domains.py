"""Custom domains: claim, prove by DNS, serve, make primary, remove.

A blog's owner adds `blog.example.org` (or an apex, `example.org`); Quire shows the DNS
records to create (`custom_domain_records`): a CNAME to QUIRE_DOMAIN_CNAME_TARGET (or A/AAAA
to QUIRE_DOMAIN_IPV4/IPV6 for an apex) and a TXT record with the domain's token.
`custom_domain_verify` looks them up with dnspython (tasks.domains re-checks pending domains
with backoff for QUIRE_DOMAIN_VERIFY_HOURS). A verified domain gets a `Domain` row, which is
what routing serves (reader pages only: config/urls_custom.py); while the blog's plan lacks
the feature it is not served (tenants.routing). Every change is in the audit log.
"""

import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import dns.exception
import dns.name
import dns.resolver
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lib.errors import ApplicationError
from lib.urls import blog_host
from shared.billing.services import limits_check_feature
from shared.console.services import audit_log_record
from tenants import dispatch
from tenants.models import CustomDomain, Domain, Tenant
from tenants.routing import routing_invalidate
from tenants.signals import tenant_hosts_changed

TXT_PREFIX = "_quire-challenge"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainError(ApplicationError):
    """The domain cannot be added or changed; the message says why, for the owner."""


class DomainTaken(DomainError):
    status_code = 409


@dataclass(frozen=True)
class DnsRecord:
    type: str
    name: str
    value: str


def domain_normalize(raw: str) -> str:
    """`Blog.Example.org.`, `https://blog.example.org/x` or `bücher.example` -> punycode."""
    value = (raw or "").strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].rstrip(".")
    if not value:
        raise DomainError("Enter a domain name, for example blog.example.org.")
    if ":" in value or "@" in value:
        raise DomainError("Enter the domain name only, without a port or user name.")
    try:
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError(f"“{value}” is not a valid domain name.") from None
    platform = settings.PLATFORM_DOMAIN
    if ascii_name == platform or ascii_name.endswith("." + platform):
        raise DomainError(f"{platform} and its subdomains belong to the platform.")
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_LABEL.match(x) for x in labels):
        raise DomainError(f"“{value}” is not a valid domain name, such as blog.example.org.")
    if labels[-1].isdigit():
        raise DomainError("Enter a domain name, not an IP address.")
    if ascii_name == settings.QUIRE_DOMAIN_CNAME_TARGET:
        raise DomainError(f"{ascii_name} belongs to the platform.")
    return ascii_name


def domain_is_apex(domain: str) -> bool:
    """Two labels (`example.org`): an apex cannot have a CNAME, so it needs A/AAAA records."""
    return domain.count(".") == 1


def custom_domain_records(*, custom_domain: CustomDomain) -> list[DnsRecord]:
    domain = custom_domain.domain
    records = []
    if domain_is_apex(domain):
        records += [DnsRecord("A", domain, ip) for ip in settings.QUIRE_DOMAIN_IPV4]
        records += [DnsRecord("AAAA", domain, ip) for ip in settings.QUIRE_DOMAIN_IPV6]
    else:
        records.append(DnsRecord("CNAME", domain, settings.QUIRE_DOMAIN_CNAME_TARGET))
    records.append(DnsRecord("TXT", f"{TXT_PREFIX}.{domain}", _txt_value(custom_domain.token)))
    return records


def _txt_value(token: str) -> str:
    return f"quire-verify={token}"


# --- writes ------------------------------------------------------------------------------------


def custom_domain_add(*, tenant: Tenant, domain: str, actor) -> CustomDomain:
    """Claim `domain` for `tenant` (pending until DNS proves it). Plan-gated."""
    limits_check_feature(tenant_id=tenant.id, feature="custom_domain")
    name = domain_normalize(domain)
    if CustomDomain.objects.filter(tenant=tenant).exists():
        raise DomainError("This blog already has a custom domain; remove it first.")
    try:
        with transaction.atomic():
            custom = CustomDomain.objects.create(
                tenant=tenant,
                domain=name,
                token=secrets.token_hex(16),
                next_check_at=timezone.now() + timedelta(minutes=1),
            )
            _audit("domain.add", actor=actor, tenant_id=tenant.id, after={"domain": name})
    except IntegrityError:
        raise DomainTaken(f"{custom_display(name)} is already used by another blog.") from None
    _queue_check(custom.id)
    return custom


def custom_domain_verify(*, custom_domain_id: int, tenant_id: int | None = None) -> CustomDomain:
    """Look the records up now and record the outcome. `tenant_id` scopes it to one blog."""
    rows = CustomDomain.objects.select_related("tenant")
    if tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    custom = rows.get(pk=custom_domain_id)
    if custom.status == CustomDomain.Status.VERIFIED:
        return custom
    result = dns_check(domain=custom.domain, token=custom.token)
    now = timezone.now()
    with transaction.atomic():
        custom = CustomDomain.objects.select_for_update().get(pk=custom.pk)
        if custom.status == CustomDomain.Status.VERIFIED:
            return custom
        custom.checked_at = now
        custom.attempts += 1
        custom.reason = result.reason
        if result.ok:
            custom.status = CustomDomain.Status.VERIFIED
            custom.verified_at = now
            custom.next_check_at = None
            Domain.objects.get_or_create(
                domain=custom.domain, defaults={"tenant_id": custom.tenant_id, "is_primary": False}
            )
            _audit("domain.verified", tenant_id=custom.tenant_id, after={"domain": custom.domain})
        elif now - custom.created_at > timedelta(hours=settings.QUIRE_DOMAIN_VERIFY_HOURS):
            custom.status = CustomDomain.Status.FAILED
            custom.next_check_at = None
            custom.reason = (
                f"Not verified within {settings.QUIRE_DOMAIN_VERIFY_HOURS} hours. "
                f"{result.reason} Fix the records, then press “Check now”."
            )
        else:
            custom.status = CustomDomain.Status.PENDING
            # 5 min, 10, 20, ... at most 6 hours apart.
            delay = min(5 * 2 ** min(custom.attempts, 10), 360)
            custom.next_check_at = now + timedelta(minutes=delay)
        custom.save()
    if result.ok:
        routing_invalidate(custom.domain)
    return custom


def custom_domain_check_now(*, tenant: Tenant) -> CustomDomain:
    """The owner's "Check now": a failed domain gets a fresh 72 hours."""
    custom = CustomDomain.objects.filter(tenant=tenant).first()
    if custom is None:
        raise DomainError("This blog has no custom domain.")
    if custom.status == CustomDomain.Status.FAILED:
        CustomDomain.objects.filter(pk=custom.pk).update(
            status=CustomDomain.Status.PENDING, created_at=timezone.now(), attempts=0
        )
    return custom_domain_verify(custom_domain_id=custom.pk, tenant_id=tenant.id)


def custom_domain_set_primary(*, tenant: Tenant, primary: bool, actor) -> CustomDomain:
    """Make the verified custom domain the blog's primary host (the subdomain then answers 301
    to it for reader pages), or give that back to the subdomain."""
    custom = CustomDomain.objects.filter(tenant=tenant).first()
    if custom is None or custom.status != CustomDomain.Status.VERIFIED:
        raise DomainError("Only a verified domain can be the primary domain.")
    if primary:
        limits_check_feature(tenant_id=tenant.id, feature="custom_domain")
    with transaction.atomic():
        host = custom.domain if primary else blog_host(tenant.subdomain)
        Domain.objects.filter(tenant=tenant).update(is_primary=False)
        Domain.objects.filter(tenant=tenant, domain=host).update(is_primary=True)
        custom.is_primary = primary
        custom.save(update_fields=["is_primary"])
        _audit(
            "domain.primary" if primary else "domain.not_primary",
            actor=actor,
            tenant_id=tenant.id,
            after={"domain": custom.domain, "primary": primary},
        )
    _routing_changed(tenant, custom.domain)
    return custom


def custom_domain_remove(*, tenant_id: int, actor, reason: str = "") -> None:
    """Remove a blog's custom domain (the owner, or staff revoking it). It stops serving now."""
    with transaction.atomic():
        custom = CustomDomain.objects.select_for_update().filter(tenant_id=tenant_id).first()
        if custom is None:
            raise DomainError("This blog has no custom domain.")
        tenant = custom.tenant
        Domain.objects.filter(tenant_id=tenant_id, domain=custom.domain).delete()
        Domain.objects.filter(tenant_id=tenant_id, domain=blog_host(tenant.subdomain)).update(
            is_primary=True
        )
        custom.delete()
        _audit(
            "domain.remove",
            actor=actor,
            tenant_id=tenant_id,
            before={"domain": custom.domain, "status": custom.status},
            after={"reason": reason} if reason else {},
        )
    _routing_changed(tenant, custom.domain)


def custom_domains_due(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        CustomDomain.objects.filter(status=CustomDomain.Status.PENDING, next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("id", flat=True)[:500]
    )


def custom_display(name: str) -> str:
    try:
        return name.encode("ascii").decode("idna")
    except UnicodeError:
        return name


def _routing_changed(tenant: Tenant, custom_host: str) -> None:
    routing_invalidate(custom_host, blog_host(tenant.subdomain))
    tenant_hosts_changed.send(sender=Tenant, tenant=tenant)  # canonical links name the host


def _queue_check(custom_domain_id: int) -> None:
    dispatch.domain_verify(custom_domain_id)


def _audit(action: str, *, tenant_id: int, actor=None, before=None, after=None) -> None:
    """The one place custom domains write the audit log."""
    audit_log_record(action=action, actor=actor, tenant_id=tenant_id, before=before, after=after)


# --- DNS ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsResult:
    ok: bool
    reason: str


def _resolver() -> dns.resolver.Resolver:
    servers = settings.QUIRE_DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = list(servers)
        resolver.port = settings.QUIRE_DNS_PORT
    resolver.timeout = resolver.lifetime = settings.QUIRE_DNS_TIMEOUT
    resolver.cache = None
    return resolver


def _lookup(resolver, name: str, rdtype: str) -> list | None:
    """Answers for `name`, [] when it has none of this type; None when it does not exist."""
    try:
        return list(resolver.resolve(dns.name.from_text(name), rdtype, raise_on_no_answer=False))
    except dns.resolver.NXDOMAIN:
        return None


def dns_check(*, domain: str, token: str) -> DnsResult:
    """Does DNS point `domain` at Quire and carry its TXT token? A reason a person can act on."""
    resolver = _resolver()
    target = settings.QUIRE_DOMAIN_CNAME_TARGET.rstrip(".").lower()
    try:
        cnames = _lookup(resolver, domain, "CNAME")
        if cnames is None:
            return DnsResult(
                False, f"{domain} does not exist in DNS yet (NXDOMAIN): create the records below."
            )
        if cnames:
            found = str(cnames[0].target).rstrip(".").lower()
            if found != target:
                return DnsResult(False, f"Found CNAME to {found}, expected {target}.")
        else:
            problem = _address_problem(resolver, domain, target)
            if problem:
                return DnsResult(False, problem)
        txt_name = f"{TXT_PREFIX}.{domain}"
        txts = _lookup(resolver, txt_name, "TXT") or []
        values = [b"".join(r.strings).decode("utf-8", "replace") for r in txts]
        expected = _txt_value(token)
        if expected not in values:
            if values:
                shown = ", ".join(f"“{v}”" for v in values)
                return DnsResult(False, f"Found TXT {shown} at {txt_name}, expected “{expected}”.")
            return DnsResult(False, f"No TXT record at {txt_name}: add “{expected}”.")
    except dns.exception.Timeout:
        return DnsResult(False, "The DNS servers did not answer in time; Quire will try again.")
    except (dns.resolver.NoNameservers, dns.exception.DNSException) as exc:
        return DnsResult(False, f"DNS lookup failed ({exc.__class__.__name__}); will retry.")
    return DnsResult(True, "")


def _address_problem(resolver, domain: str, target: str) -> str:
    allowed = {ipaddress.ip_address(ip) for ip in settings.QUIRE_DOMAIN_IPV4}
    allowed |= {ipaddress.ip_address(ip) for ip in settings.QUIRE_DOMAIN_IPV6}
    found = []
    for rdtype in ("A", "AAAA"):
        found += [
            ipaddress.ip_address(r.address) for r in (_lookup(resolver, domain, rdtype) or [])
        ]
    if not found:
        return f"{domain} has no CNAME and no A record: point a CNAME at {target}."
    if not allowed:
        return f"Found A/AAAA {', '.join(map(str, found))}; use a CNAME to {target} instead."
    wrong = [str(ip) for ip in found if ip not in allowed]
    if wrong:
        expected = ", ".join(sorted(map(str, allowed)))
        return f"Found A/AAAA {', '.join(wrong)}, expected {expected}."
    return ""
