import shutil

import pytest
from django.conf import settings

from media.models import MediaFile
from tenants.context import tenant_context


@pytest.fixture(scope="session", autouse=True)
def _empty_media_root():
    """This run's media folder (config/settings_test.py) starts empty."""
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    yield


def upload(client, name: str, data: bytes, *, content_type: str = "application/octet-stream"):
    """POST a file to the editor's upload endpoint as the editor's script does."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/dashboard/media/upload/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        HTTP_ACCEPT="application/json",
    )


def files_of(tenant) -> list[MediaFile]:
    with tenant_context(tenant):
        return list(MediaFile.objects.order_by("id"))
