"""The S3 path, against a real S3-compatible server process (moto in server mode, started
here on a free port): uploads, processing, serving, isolation and purge go through
django-storages' S3 backend and boto3 over HTTP, exactly as with a real bucket."""

import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.db import connection
from django.utils import timezone

from media import services as media_services
from media.models import MediaFile
from media.storage import blog_prefix, media_storage, private_key
from tenants import lifecycle
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.blog.conftest import login
from tests.conftest import host_client
from tests.media import images as make
from tests.media.conftest import upload
from tests.support.net import free_port

pytestmark = pytest.mark.django_db
BUCKET = "quire-media-test"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = Path(sys.executable).with_name("moto_server")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"moto_server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3(s3_server, settings):
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = settings.STORAGES | {
        "media": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_server, "region_name": "us-east-1",
                "access_key": "testing", "secret_key": "testing", "default_acl": None,
                "querystring_auth": False, "file_overwrite": False,
            },
        }
    }  # fmt: skip
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_uploads_live_in_the_bucket_under_the_blogs_prefix_and_are_served_from_it(
    s3, tenant, other_tenant, owner_client, password, settings
):
    assert type(media_storage()).__name__ == "S3Storage"
    sent = upload(owner_client, "phone.jpg", make.jpeg_with_gps(size=(1000, 700))).json()
    prefix = blog_prefix(schema_name=tenant.schema_name)
    (original,) = _keys(s3)
    assert original.startswith("private/" + prefix)
    assert make.has_gps(s3.get_object(Bucket=BUCKET, Key=original)["Body"].read())
    with tenant_context(tenant):
        media = media_services.media_process(media_id=sent["id"])
    assert media.status == "ready" and len(media.variants) == 4  # 480, 960: WebP and JPEG
    keys = _keys(s3)
    assert keys == sorted(
        [private_key(media.path), media.path] + [v["path"] for v in media.variants]
    )
    assert all(k.startswith((prefix, "private/" + prefix)) for k in keys)
    for key in (k for k in keys if not k.startswith("private/")):
        assert not make.has_gps(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()), key

    reader = host_client(tenant)
    response = reader.get(media.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = b"".join(response.streaming_content)
    assert served == s3.get_object(Bucket=BUCKET, Key=media.path)["Body"].read()
    assert not make.has_gps(served)
    assert host_client(other_tenant).get(media.url).status_code == 404
    assert reader.get("/media/" + private_key(media.path)).status_code == 404

    b_client = login(other_tenant, other_tenant.owner, password)
    b_sent = upload(b_client, "b.png", make.png(size=(50, 50))).json()
    with tenant_context(other_tenant):
        b_media = media_services.media_process(media_id=b_sent["id"])
    connection.set_schema_to_public()
    Tenant.objects.filter(pk=tenant.pk).update(
        status="deleted", deleted_at=timezone.now() - timedelta(days=31)
    )
    settings.TENANT_DELETE_GRACE_DAYS = 30
    assert lifecycle.tenants_purge() == 1
    left = _keys(s3)
    assert left == sorted([b_media.path, private_key(b_media.path)])
    assert host_client(other_tenant).get(b_media.url).status_code == 200


def test_a_real_worker_processes_uploads_stored_in_s3(
    transactional_db, s3, s3_server, tenant, owner_client, tmp_path
):
    """The task itself, in a Celery worker process configured by environment for S3 (as a
    deployment is), on a queue of its own so that no local-storage worker takes it.
    (`transactional_db` by name: the suite's teardown drops the schemas of such tests.)"""
    from tasks import media as media_tasks
    from tests.tasks.conftest import start_worker, wait_for

    sent = upload(owner_client, "phone.jpg", make.jpeg_with_gps(size=(900, 600))).json()
    worker = start_worker(
        tmp_path / "worker.log", queues="media-s3", MEDIA_S3_BUCKET=BUCKET,
        MEDIA_S3_ENDPOINT_URL=s3_server, MEDIA_S3_REGION="us-east-1",
        MEDIA_S3_ACCESS_KEY_ID="testing", MEDIA_S3_SECRET_ACCESS_KEY="testing",
    )  # fmt: skip
    try:
        media_tasks.media_process.apply_async(
            args=[sent["id"]], queue="media-s3", headers={"_schema_name": tenant.schema_name}
        )

        def ready():
            with tenant_context(tenant):
                return MediaFile.objects.filter(id=sent["id"], status="ready").first()

        media = wait_for(ready, timeout=60, log=worker.log)
    finally:
        worker.stop()
    connection.set_schema_to_public()
    assert len(_keys(s3)) == 2 + len(media.variants) == 4  # upload, full size, 480 x2
    body = b"".join(host_client(tenant).get(media.url).streaming_content)
    assert body == s3.get_object(Bucket=BUCKET, Key=media.path)["Body"].read()
    assert not make.has_gps(body)
