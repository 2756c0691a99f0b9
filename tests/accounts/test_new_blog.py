"""More than one blog per person: My blogs -> New blog, within the plan rules."""

import pytest

from shared.accounts.models import Membership
from tenants.models import Tenant
from tests.conftest import host_client, plan_set
from tests.factories import UserFactory
from tests.support.logins import root_login

pytestmark = pytest.mark.django_db


def test_a_logged_in_person_creates_a_second_blog_and_lands_on_its_dashboard(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person)
    root = root_login(person)
    form = root.get("/blogs/new/")
    assert form.status_code == 200 and 'name="subdomain"' in form.content.decode()

    response = root.post("/blogs/new/", {"blog_name": "Second Thoughts", "subdomain": "Second"})
    assert response.status_code == 302 and response["Location"] == "/blogs/second/open/"
    second = Tenant.objects.get(subdomain="second")
    assert second.name == "Second Thoughts"
    assert Membership.objects.get(tenant=second, user=person).role == "owner"

    handoff = root.get(response["Location"])["Location"].removeprefix("http://second.localhost")
    blog = host_client("second.localhost")
    assert blog.get(handoff)["Location"] == "/dashboard/"
    assert blog.get("/dashboard/").status_code == 200
    page = root.get("/blogs/").content.decode()
    assert "Second Thoughts" in page and "Alpha" in page


def test_new_blog_needs_a_login(db):
    response = host_client("localhost").get("/blogs/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("subdomain", "message"), [("ab", "too short"), ("alpha", "already taken"), ("www", "reserved")]
)
def test_bad_subdomains_get_their_message(make_blog, subdomain, message):
    person = UserFactory()
    make_blog("alpha", owner=person)
    response = root_login(person).post("/blogs/new/", {"blog_name": "X", "subdomain": subdomain})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Tenant.objects.count() == 1


def test_free_blogs_per_account_are_limited_and_paid_ones_do_not_count(make_blog, settings):
    settings.QUIRE_FREE_BLOGS_PER_ACCOUNT = 2
    person = UserFactory()
    alpha = make_blog("alpha", owner=person)
    make_blog("bravo", owner=person)
    root = root_login(person)
    refused = root.post("/blogs/new/", {"blog_name": "Third", "subdomain": "third"})
    assert refused.status_code == 200
    assert "most one account may have" in refused.content.decode()
    assert not Tenant.objects.filter(subdomain="third").exists()

    plan_set(alpha, "pro")
    created = root.post("/blogs/new/", {"blog_name": "Third", "subdomain": "third"})
    assert created.status_code == 302
    assert Tenant.objects.filter(subdomain="third").exists()
