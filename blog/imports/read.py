"""One entry point: an uploaded file (a path on local disk) to a `Parsed`."""

from typing import IO

from django.conf import settings

from blog.imports import detect
from blog.imports.common import ImportRefused, Parsed
from blog.imports.ghost import ghost_read
from blog.imports.markdown_zip import markdown_files_read
from blog.imports.quire import quire_read
from blog.imports.wxr import wxr_read
from blog.imports.zips import zip_members, zip_read_all

QUIRE_JSON = "quire.json"


def import_file_read(stream: IO[bytes]) -> Parsed:
    """Read a WordPress, Ghost, Markdown-zip or Quire export. Raises ImportRefused."""
    head = stream.read(detect.SNIFF_BYTES)
    stream.seek(0)
    kind = detect.format_detect(head)
    if kind == detect.WXR:
        return wxr_read(stream)
    if kind == detect.JSON:
        return ghost_read(stream.read())
    archive, infos = zip_members(stream)
    names = {i.filename for i in infos}
    if QUIRE_JSON in names:
        ((_, raw),) = zip_read_all(archive, [i for i in infos if i.filename == QUIRE_JSON])
        parsed = quire_read(raw)
        # Its images: only the files quire.json lists, each capped like an upload.
        wanted = {m["file"] for m in parsed.media}
        found = dict(
            (info.filename, data)
            for info, data in zip_read_all(
                archive,
                [i for i in infos if i.filename in wanted],
                max_member=max(settings.MEDIA_MAX_UPLOAD_BYTES, 1),
            )
        )
        for entry in parsed.media:
            entry["data"] = found.get(entry["file"])
        return parsed
    files = [(info.filename, raw) for info, raw in zip_read_all(archive, infos)]
    if not files:
        raise ImportRefused("The zip is empty. Nothing was imported.")
    return markdown_files_read(files)


__all__ = ["ImportRefused", "Parsed", "import_file_read"]
