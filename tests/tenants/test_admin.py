from tenants.models import Tenant
from tests.conftest import host_client
from tests.support.console import console_act, staff_client


def test_staff_list_tenants_with_domain_owner_status_and_date(make_blog, password):
    alpha = make_blog("alpha")
    make_blog("bravo")
    client = staff_client(password)
    response = client.get("/admin/tenants/tenant/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "alpha.localhost" in body and "bravo.localhost" in body
    assert alpha.owner.email in body
    assert "Active" in body

    found = client.get("/admin/tenants/tenant/", {"q": alpha.owner.email}).content.decode()
    assert "alpha.localhost" in found and "bravo.localhost" not in found
    found = client.get("/admin/tenants/tenant/", {"q": "brav"}).content.decode()
    assert "bravo.localhost" in found and "alpha.localhost" not in found


def test_staff_suspend_and_reactivate_only_the_chosen_blog(make_blog, password):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    client = staff_client(password)
    for host in ("alpha.localhost", "bravo.localhost"):
        assert host_client(host).get("/").status_code == 200

    console_act(client, "suspend", alpha)
    assert Tenant.objects.get(pk=alpha.pk).status == "suspended"
    assert Tenant.objects.get(pk=bravo.pk).status == "active"
    assert host_client("alpha.localhost").get("/").status_code == 403
    assert host_client("bravo.localhost").get("/").status_code == 200

    console_act(client, "reactivate", alpha)
    assert host_client("alpha.localhost").get("/").status_code == 200


def test_non_staff_get_nothing_from_the_admin(tenant, password):
    client = host_client("localhost")
    assert client.login(email=tenant.owner.email, password=password)
    response = client.get("/admin/tenants/tenant/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
