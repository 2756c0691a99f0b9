"""The dashboard's Subscribers page: list, search, count, import, export, remove; owners only."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audience.models import Subscriber
from tenants.context import tenant_context
from tests.audience.conftest import subscribers_add
from tests.conftest import add_member, host_client
from tests.html import parse

pytestmark = pytest.mark.django_db


def _rows(response) -> list[str]:
    doc = parse(response.content)
    return [td.text for td in doc.findall(".//table//tbody/tr/td[1]")]


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    tenant, owner_client, django_assert_max_num_queries
):
    subscribers_add(tenant, [f"r{i:03}@example.org" for i in range(120)])
    with django_assert_max_num_queries(12):
        first = owner_client.get("/dashboard/subscribers/")
    assert first.status_code == 200
    assert len(_rows(first)) == 50
    assert "120" in first.content.decode()  # the count
    third = owner_client.get("/dashboard/subscribers/?page=3")
    assert len(_rows(third)) == 20


def test_search_finds_by_part_of_the_address(tenant, owner_client):
    subscribers_add(tenant, ["ann@example.org", "bob@example.org", "annie@elsewhere.net"])
    found = _rows(owner_client.get("/dashboard/subscribers/?q=ANN"))
    assert sorted(found) == ["ann@example.org", "annie@elsewhere.net"]


def test_a_blog_never_shows_another_blogs_subscribers(tenant, other_tenant, owner_client):
    subscribers_add(tenant, ["mine@example.org"])
    subscribers_add(other_tenant, ["theirs@example.org"])
    page = owner_client.get("/dashboard/subscribers/")
    assert _rows(page) == ["mine@example.org"]
    export = b"".join(owner_client.get("/dashboard/subscribers/export/").streaming_content)
    assert b"mine@example.org" in export and b"theirs@example.org" not in export
    with tenant_context(other_tenant):
        theirs = Subscriber.objects.get()
    owner_client.post(f"/dashboard/subscribers/{theirs.id}/remove/")  # ids are per blog
    with tenant_context(other_tenant):
        assert Subscriber.objects.filter(id=theirs.id).exists()


def test_only_the_owner_sees_subscribers(tenant, password):
    subscribers_add(tenant, ["mine@example.org"])
    editor = add_member(tenant, "editor")
    client = host_client(tenant)
    client.post("/accounts/login/", {"login": editor.email, "password": password})
    response = client.get("/dashboard/subscribers/")
    assert response.status_code == 403
    assert b"mine@example.org" not in response.content


def test_csv_import_reports_bad_rows_by_line_and_adds_the_good_ones(tenant, owner_client):
    subscribers_add(tenant, ["already@example.org"], status="unsubscribed")
    data = (
        b"Name,Email\n"
        b"Ann,ann@example.org\n"
        b"Bad,not-an-address\n"
        b"\n"
        b"Again,ALREADY@example.org\n"
        b"Bob,bob@example.org\n"
        b"Dup,ann@example.org\n"
        b"Empty,\n"
    )
    upload = SimpleUploadedFile("list.csv", data, content_type="text/csv")
    response = owner_client.post("/dashboard/subscribers/import/", {"file": upload})
    assert response.status_code == 200
    report = "".join(parse(response.content).find(".//*[@id='import-report']").itertext())
    assert "Imported 2 addresses; 1 already on the list." in report
    assert "Line 3: “not-an-address” is not an email address" in report
    assert "Line 8: “” is not an email address" in report
    with tenant_context(tenant):
        states = dict(Subscriber.objects.values_list("email", "status"))
    assert states == {
        "ann@example.org": "confirmed",
        "bob@example.org": "confirmed",
        "already@example.org": "unsubscribed",  # an import never resubscribes anyone
    }


def test_csv_import_refuses_a_file_that_is_not_text(owner_client):
    upload = SimpleUploadedFile("list.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    response = owner_client.post("/dashboard/subscribers/import/", {"file": upload})
    assert "not UTF-8 text" in response.content.decode()


def test_csv_import_past_the_plan_adds_nobody_and_says_why(tenant, owner_client):
    data = "\n".join(f"r{i}@example.org" for i in range(501)).encode()  # Free: 500
    upload = SimpleUploadedFile("list.csv", data, content_type="text/csv")
    response = owner_client.post("/dashboard/subscribers/import/", {"file": upload})
    text = response.content.decode()
    assert "The Free plan allows 500 subscribers and this blog has 0; this would add 501" in text
    with tenant_context(tenant):
        assert Subscriber.objects.count() == 0


def test_export_is_a_csv_of_every_address_and_remove_deletes_one(tenant, owner_client):
    subscribers_add(tenant, ["a@example.org", "b@example.org"])
    response = owner_client.get("/dashboard/subscribers/export/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["email", "status", "source", "created_at", "confirmed_at"]
    assert sorted(r[0] for r in rows[1:]) == ["a@example.org", "b@example.org"]
    with tenant_context(tenant):
        first = Subscriber.objects.get(email="a@example.org")
    assert owner_client.post(f"/dashboard/subscribers/{first.id}/remove/").status_code == 302
    with tenant_context(tenant):
        assert list(Subscriber.objects.values_list("email", flat=True)) == ["b@example.org"]
