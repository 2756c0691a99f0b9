"""Image processing (queue `media`). Runs in the schema of the blog that queued it."""

from celery import shared_task

from media import services as media_services
from tasks.queue import RETRIED


@shared_task(**RETRIED | {"soft_time_limit": 120, "time_limit": 150})
def media_process(media_id: int) -> bool:
    """EXIF stripped, orientation applied, responsive widths (idempotent: rewrites the same
    keys). A file deleted before its turn is skipped."""
    return media_services.media_process(media_id=media_id) is not None
