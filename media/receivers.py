"""What media does when a blog is purged: its files go too."""

import logging

from django.dispatch import receiver

from media.storage import blog_storage_delete_all
from tenants.signals import tenant_purged

logger = logging.getLogger(__name__)


@receiver(tenant_purged, dispatch_uid="media.files_remove")
def files_remove(sender, *, schema_name: str, **kwargs) -> None:  # noqa: ANN001
    """A purged blog's files (served copies and uploads), after its schema is gone. A failure
    is logged: the files are unreachable anyway (no host serves that prefix any more)."""
    try:
        removed = blog_storage_delete_all(schema_name=schema_name)
    except Exception:
        logger.exception("could not remove the files of purged blog %s", schema_name)
        return
    logger.info("removed %d files of purged blog %s", removed, schema_name)
