"""Custom domain verification: at once after a domain is added, then with backoff."""

from celery import shared_task

from lib.queue import enqueue
from tasks.queue import RETRIED
from tenants import domains
from tenants.models import CustomDomain


@shared_task(**RETRIED)
def custom_domain_verify_task(custom_domain_id: int) -> str:
    if not CustomDomain.objects.filter(pk=custom_domain_id).exists():
        return "gone"
    return domains.custom_domain_verify(custom_domain_id=custom_domain_id).status


@shared_task(acks_late=True)
def custom_domains_verify_due() -> int:
    """Periodic: re-check pending domains whose backoff has run out (5 min ... 6 h apart, for
    QUIRE_DOMAIN_VERIFY_HOURS; then they are marked failed)."""
    due = domains.custom_domains_due()
    for custom_domain_id in due:
        enqueue(custom_domain_verify_task.name, custom_domain_id, schema_name="public")
    return len(due)
