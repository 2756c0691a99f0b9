"""The one upload size cap: a file over `MEDIA_MAX_UPLOAD_BYTES` is neither kept in memory nor
spooled to disk; the rest of the body is read and dropped, and the view says it was too large.

`upload_size_cap(request)` must run before anything reads `request.POST` or `request.FILES`
(so before CSRF middleware or a CSRF-protected view reads the form); `upload_too_large(request)`
then tells whether the cap stopped a file.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class _SizeCap(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.MEDIA_MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_size_cap(request: HttpRequest) -> None:
    request.upload_handlers.insert(0, _SizeCap(request))


def upload_too_large(request: HttpRequest) -> bool:
    return getattr(request, "upload_too_large", False)
