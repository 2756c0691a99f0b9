"""The subscribers part of a Quire export (audience's section in blog.transfer): written with
each address's state, restored into the importing blog only."""

import json

from audience.models import Subscriber
from blog.imports.quire import quire_read
from blog.services import exports as export_services
from blog.services.import_writer import posts_import
from tenants.context import tenant_context
from tests.factories import SubscriberFactory, blog_make

Status = Subscriber.Status


def test_subscribers_travel_with_their_state_into_the_importing_blog_only(tenant, other_tenant):
    SubscriberFactory(tenant=tenant, email="keep@example.org", status=Status.CONFIRMED)
    SubscriberFactory(tenant=tenant, email="gone@example.org", status=Status.UNSUBSCRIBED)
    SubscriberFactory(tenant=other_tenant, email="theirs@example.org", status=Status.CONFIRMED)
    with tenant_context(tenant):
        document = export_services.export_document(tenant=tenant)
    rows = {row["email"]: row["status"] for row in document["subscribers"]}
    assert rows == {"keep@example.org": "confirmed", "gone@example.org": "unsubscribed"}

    target = blog_make(subdomain="target")
    parsed = quire_read(json.dumps(document, default=str).encode())
    with tenant_context(target):
        report = posts_import(tenant=target, parsed=parsed, importer=target.owner)
        restored = dict(Subscriber.objects.values_list("email", "status"))
    assert report["subscribers"] == 2
    assert restored == {"keep@example.org": "confirmed", "gone@example.org": "unsubscribed"}
    with tenant_context(other_tenant):  # nobody else's list changed
        assert list(Subscriber.objects.values_list("email", flat=True)) == ["theirs@example.org"]
