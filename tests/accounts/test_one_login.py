"""One login across the platform: My blogs -> a blog's dashboard through the signed,
single-use hand-off; log out anywhere ends every session of that person."""

from urllib.parse import urlsplit

import pytest
from django.core import signing

from shared.accounts.models import HandoffToken, Membership
from tests.conftest import add_member, host_client
from tests.factories import UserFactory
from tests.support.logins import root_login

pytestmark = pytest.mark.django_db


def open_blog(root, subdomain: str):
    """Follow My blogs -> Dashboard: returns (blog client, hand-off path on the blog host)."""
    response = root.get(f"/blogs/{subdomain}/open/")
    assert response.status_code == 302, response.status_code
    url = urlsplit(response["Location"])
    assert url.netloc == f"{subdomain}.localhost"
    return host_client(url.netloc), f"{url.path}?{url.query}"


def test_log_in_once_on_the_root_and_open_two_blogs(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person)
    beta = make_blog("beta")
    add_member(beta, "author", person)
    root = root_login(person)

    page = root.get("/blogs/").content.decode()
    assert "/blogs/alpha/open/" in page and "/blogs/beta/open/" in page
    assert "Owner" in page and "Author" in page and "Free" in page

    for subdomain in ("alpha", "beta"):
        blog, handoff = open_blog(root, subdomain)
        landed = blog.get(handoff)
        assert landed.status_code == 302 and landed["Location"] == "/dashboard/"
        dashboard = blog.get("/dashboard/")
        assert dashboard.status_code == 200
        assert person.email in dashboard.content.decode()


def test_a_blog_i_am_not_a_member_of_cannot_be_opened(make_blog):
    make_blog("alpha")
    outsider = UserFactory()
    root = root_login(outsider)
    assert root.get("/blogs/alpha/open/").status_code == 404
    assert not HandoffToken.objects.exists()
    assert "/blogs/alpha/" not in root.get("/blogs/").content.decode()


def test_logged_out_open_goes_to_the_root_login_and_back(make_blog):
    make_blog("alpha")
    response = host_client("localhost").get("/blogs/alpha/open/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/blogs/alpha/open/"


def test_a_hand_off_for_blog_a_does_not_work_on_blog_b(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person)
    beta = make_blog("beta")
    add_member(beta, "editor", person)
    _blog, handoff = open_blog(root_login(person), "alpha")

    on_b = host_client("beta.localhost")
    assert on_b.get(handoff).status_code == 400
    assert on_b.get("/dashboard/").status_code == 302  # not logged in on B
    # ... and the token was not used up on B: A still accepts it, once.
    on_a = host_client("alpha.localhost")
    assert on_a.get(handoff).status_code == 302
    assert on_a.get(handoff).status_code == 400


def test_a_replayed_hand_off_is_refused(make_blog):
    person = UserFactory()
    make_blog("alpha", owner=person)
    blog, handoff = open_blog(root_login(person), "alpha")
    assert blog.get(handoff).status_code == 302
    thief = host_client("alpha.localhost")
    assert thief.get(handoff).status_code == 400
    assert thief.get("/dashboard/").status_code == 302


def test_an_expired_hand_off_is_refused(make_blog, settings):
    person = UserFactory()
    make_blog("alpha", owner=person)
    blog, handoff = open_blog(root_login(person), "alpha")
    settings.QUIRE_HANDOFF_MAX_AGE = -1  # every token is older than this
    assert blog.get(handoff).status_code == 400
    assert blog.get("/dashboard/").status_code == 302


def test_a_forged_hand_off_is_refused(make_blog):
    person = UserFactory()
    alpha = make_blog("alpha", owner=person)
    token = HandoffToken.objects.create(user=person, tenant=alpha)
    blog = host_client("alpha.localhost")
    forged = signing.dumps(str(token.id), key="not-the-secret-key", salt="quire.accounts.handoff")
    assert blog.get(f"/accounts/handoff/?token={forged}").status_code == 400
    assert blog.get(f"/accounts/handoff/?token={token.id}").status_code == 400
    assert blog.get("/accounts/handoff/").status_code == 400
    assert blog.get("/dashboard/").status_code == 302


def test_a_member_removed_from_a_can_no_longer_open_it(make_blog):
    owner, member = UserFactory(), UserFactory()
    alpha = make_blog("alpha", owner=owner)
    add_member(alpha, "editor", member)
    root = root_login(member)
    blog, handoff = open_blog(root, "alpha")  # issued while still a member...
    assert blog.get(handoff).status_code == 302
    _other, pending = open_blog(root, "alpha")

    Membership.objects.filter(user=member, tenant=alpha).delete()
    assert root.get("/blogs/alpha/open/").status_code == 404
    assert "alpha" not in root.get("/blogs/").content.decode()
    # ... a token issued before the removal no longer works ...
    fresh = host_client("alpha.localhost")
    assert fresh.get(pending).status_code == 400
    # ... and the session made before it no longer opens the dashboard.
    assert blog.get("/dashboard/").status_code == 403


def test_log_out_on_one_blog_logs_out_on_the_root_and_every_other_blog(make_blog):
    person, other = UserFactory(), UserFactory()
    make_blog("alpha", owner=person)
    beta = make_blog("beta")
    add_member(beta, "author", person)
    root = root_login(person)
    blog_a, handoff_a = open_blog(root, "alpha")
    blog_b, handoff_b = open_blog(root, "beta")
    blog_a.get(handoff_a), blog_b.get(handoff_b)
    assert blog_a.get("/dashboard/").status_code == 200
    assert blog_b.get("/dashboard/").status_code == 200
    # Someone else is logged in on beta too.
    add_member(beta, "editor", other)
    other_root = root_login(other)
    other_b, other_handoff = open_blog(other_root, "beta")
    other_b.get(other_handoff)

    assert blog_a.post("/accounts/logout/").status_code == 302

    assert blog_a.get("/dashboard/").status_code == 302
    assert blog_b.get("/dashboard/").status_code == 302
    assert root.get("/blogs/").status_code == 302
    # The other person's sessions are untouched.
    assert other_b.get("/dashboard/").status_code == 200
    assert other_root.get("/blogs/").status_code == 200
    # Logging in again works.
    assert root_login(person).get("/blogs/").status_code == 200


def test_a_blogs_login_page_offers_the_quire_account(tenant):
    page = host_client(tenant).get("/accounts/login/").content.decode()
    assert 'href="http://localhost/blogs/alpha/open/"' in page
    assert "Log in with your Quire account" in page
    signup = host_client(tenant).get("/accounts/signup/")
    assert signup.status_code == 302 and signup["Location"] == "http://localhost/accounts/signup/"
