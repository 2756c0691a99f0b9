"""Custom domain verification through a real Celery worker and a real DNS server (dnsmasq)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants import domains
from tenants import services as tenant_services
from tenants.models import CustomDomain
from tests.conftest import plan_set
from tests.factories import UserFactory
from tests.prod.dns_server import DnsServer
from tests.support.net import free_port
from tests.tasks.conftest import purge_all_queues, start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
TARGET = "edge.quire.test"


def test_the_worker_verifies_a_pending_domain_when_its_backoff_runs_out(transactional_db, tmp_path):
    from tasks import domains as domain_tasks

    port = free_port(udp=True)  # for dnsmasq, started later on it
    log = tmp_path / "worker.log"
    purge_all_queues("domains")  # checks queued by earlier tests for domains long gone
    worker = start_worker(
        log,
        queues="domains",
        QUIRE_DNS_NAMESERVERS="127.0.0.1",
        QUIRE_DNS_PORT=str(port),
        QUIRE_DNS_TIMEOUT="0.5",
        QUIRE_DOMAIN_CNAME_TARGET=TARGET,
    )
    server = None
    try:
        owner = UserFactory()
        blog = tenant_services.tenant_provision(subdomain="dnsblog", name="D", owner=owner)
        plan_set(blog, "pro")
        custom = domains.custom_domain_add(tenant=blog, domain="blog.worker.test", actor=owner)
        # The check queued on commit finds no DNS server yet: pending, with a reason.
        wait_for(lambda: CustomDomain.objects.get(pk=custom.pk).attempts >= 1, log=log)
        assert CustomDomain.objects.get(pk=custom.pk).status == "pending"

        server = DnsServer(
            f"--host-record={TARGET},203.0.113.10",
            f"--cname=blog.worker.test,{TARGET}",
            f"--txt-record=_quire-challenge.blog.worker.test,quire-verify={custom.token}",
            port=port,
        )
        CustomDomain.objects.filter(pk=custom.pk).update(
            next_check_at=timezone.now() - timedelta(seconds=1)
        )
        domain_tasks.custom_domains_verify_due.delay()
        wait_for(lambda: CustomDomain.objects.get(pk=custom.pk).status == "verified", log=log)
    finally:
        if server:
            server.stop()
        worker.stop()
