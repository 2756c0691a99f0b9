"""The periodic billing logic, called directly (tests/tasks runs it through a worker)."""

from datetime import timedelta

from django.utils import timezone

from blog.models import Post
from shared.accounts.models import Membership
from shared.billing import services as billing
from shared.billing.models import Subscription, TenantUsage
from shared.console.models import AuditLog
from tenants import usage as tenant_usage
from tenants.context import tenant_context
from tests.conftest import add_member


def set_sub(tenant, **fields):
    sub = billing.subscription_get_or_create(tenant_id=tenant.id)
    plan = fields.pop("plan", None)
    if plan:
        sub.plan = billing.plan_get(code=plan)
    for name, value in fields.items():
        setattr(sub, name, value)
    sub.save()
    return sub


def test_trials_that_ended_without_payment_go_back_to_free(
    make_blog, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ended, in_grace, running = make_blog("ended"), make_blog("ingrace"), make_blog("running")
    set_sub(ended, plan="pro", status="trialing", trial_end=now - timedelta(hours=25))
    set_sub(in_grace, plan="pro", status="trialing", trial_end=now - timedelta(hours=1))
    set_sub(running, plan="pro", status="trialing", trial_end=now + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert billing.trials_expire() == 1
    states = {
        s.tenant_id: (s.plan.code, s.status) for s in Subscription.objects.select_related("plan")
    }
    assert states[ended.id] == ("free", "canceled")
    assert states[in_grace.id] == ("pro", "trialing")
    assert states[running.id] == ("pro", "trialing")
    [mail] = mailoutbox
    assert (
        mail.to == [ended.owner.email] and "http://ended.localhost/dashboard/billing/" in mail.body
    )
    entry = AuditLog.objects.get(action="billing.trial_expired")
    assert entry.tenant_id == ended.id and entry.actor_label == "system"
    assert billing.trials_expire() == 0  # idempotent


def test_past_due_beyond_the_grace_period_goes_back_to_free(make_blog, settings):
    settings.BILLING_PAST_DUE_GRACE_DAYS = 14
    now = timezone.now()
    late, recent, paid = make_blog("late"), make_blog("recent"), make_blog("paid")
    set_sub(late, plan="business", status="past_due", past_due_since=now - timedelta(days=15))
    set_sub(recent, plan="business", status="past_due", past_due_since=now - timedelta(days=13))
    set_sub(paid, plan="business", status="active")
    assert billing.past_due_expire() == 1
    assert Subscription.objects.get(tenant=late).plan.code == "free"
    assert Subscription.objects.get(tenant=recent).plan.code == "business"
    assert Subscription.objects.get(tenant=paid).plan.code == "business"


def test_usage_is_counted_inside_each_blogs_own_schema(tenant, other_tenant):
    add_member(tenant, Membership.Role.AUTHOR)
    with tenant_context(tenant):
        Post.objects.create(title="a", slug="a", status="published")
        Post.objects.create(title="b", slug="b")
    with tenant_context(other_tenant):
        Post.objects.create(title="c", slug="c", status="published")
    usage = tenant_usage.usage_refresh(schema_name=tenant.schema_name)
    assert (usage.posts, usage.published_posts, usage.members) == (2, 1, 2)
    assert usage.storage_bytes > 0
    other = tenant_usage.usage_refresh(schema_name=other_tenant.schema_name)
    assert (other.posts, other.published_posts, other.members) == (1, 1, 1)
    assert TenantUsage.objects.count() == 2
    assert tenant_usage.usage_refresh(schema_name="t_nosuchblog") is None


def test_a_blog_moved_back_to_free_is_no_longer_charged_by_stripe(
    tenant, fake_stripe, django_capture_on_commit_callbacks
):
    fake_stripe.reply = (200, {"id": "sub_1", "object": "subscription", "status": "canceled"})
    since = timezone.now() - timedelta(days=30)
    set_sub(
        tenant, plan="pro", status="past_due", past_due_since=since, stripe_subscription_id="sub_1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert billing.past_due_expire() == 1
    [request] = fake_stripe.requests
    assert (request["method"], request["path"]) == ("DELETE", "/v1/subscriptions/sub_1")
    assert request["auth"] == "Bearer sk_test_quire"
    sub = Subscription.objects.get(tenant=tenant)
    assert (sub.plan.code, sub.status, sub.stripe_subscription_id) == ("free", "canceled", "")


def test_a_stripe_outage_does_not_undo_the_downgrade(
    tenant, fake_stripe, django_capture_on_commit_callbacks
):
    fake_stripe.reply = (500, {"error": {"type": "api_error", "message": "down"}})
    ended = timezone.now() - timedelta(days=3)
    set_sub(tenant, plan="pro", status="trialing", trial_end=ended, stripe_subscription_id="sub_1")
    with django_capture_on_commit_callbacks(execute=True):
        assert billing.trials_expire() == 1
    assert fake_stripe.requests  # it tried
    assert Subscription.objects.get(tenant=tenant).plan.code == "free"
