import pytest

from lib.errors import ApplicationError
from shared.billing import LimitReached
from shared.billing import services as billing
from shared.billing.models import Plan, Subscription
from shared.console.models import AuditLog


def on_plan(tenant, code, staff):
    return billing.subscription_plan_set(tenant_id=tenant.id, plan_code=code, actor=staff)


@pytest.fixture
def staff(db):
    from shared.accounts.models import User

    return User.objects.create_superuser(email="staff@example.org", password="x")


def test_the_three_plans_are_seeded_and_recreated_when_missing(db):
    Plan.objects.all().delete()
    plans = billing.plans_ensure()
    assert list(plans) == ["free", "pro", "business"]
    assert plans["free"].monthly_price_cents == 0 and not plans["free"].custom_domain
    assert plans["business"].max_published_posts is None
    assert billing.plans_ensure()["pro"].pk == plans["pro"].pk


def test_a_blog_without_a_subscription_is_on_free_and_gets_one_lazily(tenant):
    Subscription.objects.filter(tenant=tenant).delete()
    billing.limits_check_publish(tenant_id=tenant.id, published_count=0)
    sub = Subscription.objects.get(tenant=tenant)
    assert sub.plan.code == "free" and sub.status == "active"
    assert billing.subscription_get_or_create(tenant_id=tenant.id).pk == sub.pk


def test_free_publish_limit_at_its_edge(tenant):
    billing.limits_check_publish(tenant_id=tenant.id, published_count=19)
    with pytest.raises(LimitReached) as exc:
        billing.limits_check_publish(tenant_id=tenant.id, published_count=20)
    assert isinstance(exc.value, ApplicationError) and exc.value.status_code == 402
    assert "Free plan allows 20 published posts" in str(exc.value)
    assert "Upgrade" in str(exc.value)
    assert exc.value.upgrade_url == "/dashboard/billing/"


def test_pro_and_business_publish_limits(tenant, staff):
    on_plan(tenant, "pro", staff)
    billing.limits_check_publish(tenant_id=tenant.id, published_count=999)
    with pytest.raises(LimitReached, match="Pro plan allows 1000"):
        billing.limits_check_publish(tenant_id=tenant.id, published_count=1000)
    on_plan(tenant, "business", staff)
    billing.limits_check_publish(tenant_id=tenant.id, published_count=10**6)


def test_member_limit_at_its_edge(tenant, staff):
    billing.limits_check_member(tenant_id=tenant.id, member_count=0)
    with pytest.raises(LimitReached, match="Free plan allows 1 person") as exc:
        billing.limits_check_member(tenant_id=tenant.id, member_count=1)
    assert exc.value.upgrade_url == "/dashboard/billing/"
    on_plan(tenant, "pro", staff)
    billing.limits_check_member(tenant_id=tenant.id, member_count=4)
    with pytest.raises(LimitReached, match="Pro plan allows 5 people"):
        billing.limits_check_member(tenant_id=tenant.id, member_count=5)
    on_plan(tenant, "business", staff)
    billing.limits_check_member(tenant_id=tenant.id, member_count=24)
    with pytest.raises(LimitReached):
        billing.limits_check_member(tenant_id=tenant.id, member_count=25)


def test_one_blogs_plan_does_not_lift_anothers_limits(tenant, other_tenant, staff):
    on_plan(tenant, "business", staff)
    billing.limits_check_publish(tenant_id=tenant.id, published_count=500)
    with pytest.raises(LimitReached):
        billing.limits_check_publish(tenant_id=other_tenant.id, published_count=20)
    assert Subscription.objects.get(tenant=other_tenant).plan.code == "free"


def test_staff_plan_change_is_audited_and_emails_the_owner_with_its_blogs_link(
    tenant, staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        on_plan(tenant, "pro", staff)
    entry = AuditLog.objects.get(tenant=tenant)
    assert entry.actor == staff and entry.action == "billing.plan_set_by_staff"
    assert entry.before["plan"] == "free" and entry.after["plan"] == "pro"
    assert entry.tenant_label.startswith("alpha ")
    [mail] = mailoutbox
    assert mail.to == [tenant.owner.email]
    assert "Pro plan" in mail.subject
    assert "http://alpha.localhost/dashboard/billing/" in mail.body


def test_downgrading_never_deletes_content(tenant, staff):
    from blog.models import Post
    from tenants.context import tenant_context

    on_plan(tenant, "pro", staff)
    with tenant_context(tenant):
        for i in range(25):
            Post.objects.create(title=f"P{i}", slug=f"p{i}", status="published")
    on_plan(tenant, "free", staff)
    with tenant_context(tenant):
        assert Post.objects.filter(status="published").count() == 25
    # Over the limit: the posts stay, but no more can be published.
    with pytest.raises(LimitReached):
        billing.limits_check_publish(tenant_id=tenant.id, published_count=25)


def test_features_follow_the_plan(tenant, staff):
    for feature in ("custom_domain", "api_access"):
        with pytest.raises(LimitReached, match="Free plan does not include"):
            billing.limits_check_feature(tenant_id=tenant.id, feature=feature)
    on_plan(tenant, "pro", staff)
    billing.limits_check_feature(tenant_id=tenant.id, feature="custom_domain")
    billing.limits_check_feature(tenant_id=tenant.id, feature="api_access")
    with pytest.raises(ValueError, match="unknown feature"):
        billing.limits_check_feature(tenant_id=tenant.id, feature="teleport")


def test_the_audit_log_cannot_be_changed_or_deleted_even_in_sql(tenant, staff):
    from django.db import DatabaseError, transaction

    on_plan(tenant, "pro", staff)
    entry = AuditLog.objects.get()
    for attempt in (
        lambda: AuditLog.objects.filter(pk=entry.pk).update(action="billing.nothing"),
        lambda: AuditLog.objects.filter(pk=entry.pk).update(after={}),
        lambda: AuditLog.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    # Clearing the actor when the account goes away is allowed (SET_NULL); the label stays.
    staff.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_label == "staff@example.org"
    assert entry.after["plan"] == "pro"
