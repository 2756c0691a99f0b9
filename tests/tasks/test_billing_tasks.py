"""Billing tasks through a real Celery worker (its own process, the test database)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shared.billing import services as billing
from shared.billing.models import Subscription, TenantUsage
from tenants import services as tenant_services
from tests.factories import UserFactory
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def make_blog(subdomain):
    return tenant_services.tenant_provision(
        subdomain=subdomain, name=subdomain, owner=UserFactory()
    )


def test_the_trial_expiry_task_moves_ended_trials_to_free(celery_worker_process):
    from tasks import billing as billing_tasks

    _proc, log = celery_worker_process
    ended, running = make_blog("ended"), make_blog("running")
    for tenant, days in ((ended, -3), (running, 3)):
        sub = billing.subscription_get_or_create(tenant_id=tenant.id)
        sub.plan = billing.plan_get(code="pro")
        sub.status, sub.trial_end = "trialing", timezone.now() + timedelta(days=days)
        sub.save()
    billing_tasks.billing_trials_expire.delay()

    def plan_of(tenant):
        return Subscription.objects.filter(tenant=tenant).values_list("plan__code", flat=True)[0]

    wait_for(lambda: plan_of(ended) == "free", log=log)
    assert plan_of(running) == "pro"


def test_usage_refresh_fans_out_and_counts_every_blog(celery_worker_process):
    from tasks import billing as billing_tasks

    _proc, log = celery_worker_process
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    billing_tasks.usage_refresh_dispatch.delay()
    wait_for(lambda: TenantUsage.objects.count() == 2, log=log)
    usage = {u.tenant_id: u for u in TenantUsage.objects.all()}
    assert usage[alpha.id].members == 1 and usage[bravo.id].members == 1
    assert usage[alpha.id].storage_bytes > 0


def test_every_billing_periodic_task_in_the_schedule_exists():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    mine = {name for name in scheduled if name.startswith("tasks.billing.")}
    assert mine == {
        "tasks.billing.billing_trials_expire",
        "tasks.billing.billing_past_due_expire",
        "tasks.billing.usage_refresh_dispatch",
        "tasks.billing.tenants_purge_deleted",
    }
    assert mine <= set(app.tasks)
