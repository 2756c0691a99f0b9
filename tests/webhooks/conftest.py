import pytest

from tests.api.conftest import pro_blog  # noqa: F401 (fixture)
from tests.webhooks.receiver import Receiver
from webhooks import services


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def hook(tenant, receiver: Receiver, path: str, events=None):
    """Register the receiver's `path` for `events` (default: all) on `tenant`."""
    from webhooks.models import EVENTS

    endpoint, secret = services.endpoint_create(
        tenant_id=tenant.id, user=tenant.owner, url=receiver.base + path,
        events=list(events or EVENTS),
    )  # fmt: skip
    receiver.secrets[path] = secret
    return endpoint
