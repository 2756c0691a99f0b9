"""Zip files from strangers: paths checked, sizes capped while reading (a zip's own size
fields can lie), so a zip bomb or a `../` path is refused before anything is written."""

import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO

from blog.imports.common import ImportRefused

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
_CHUNK = 64 * 1024


def _safe_name(name: str) -> bool:
    if "\\" in name or name.startswith("/") or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    return ".." not in parts and not (parts and parts[0].endswith(":"))


def zip_members(stream: IO[bytes]) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the zip and list its files. Refuses the whole zip for one unsafe path."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(f"The zip file is broken ({exc}). Nothing was imported.") from exc
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ImportRefused(f"The zip holds {len(infos)} files; the limit is {MAX_MEMBERS}.")
    for info in infos:
        if not _safe_name(info.filename):
            raise ImportRefused(
                f"The zip contains an unsafe path ({info.filename[:200]!r}): files must stay "
                "inside the zip's own folders. Nothing was imported."
            )
    return archive, [i for i in infos if not i.is_dir()]


def zip_read_all(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, max_member: int = MAX_MEMBER_BYTES
) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """Each member's bytes, counting what is really inflated against the caps."""
    total = 0
    for info in infos:
        if info.file_size > max_member:
            raise ImportRefused(_too_big(info.filename, max_member))
        chunks, size = [], 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > max_member:
                        raise ImportRefused(_too_big(info.filename, max_member))
                    if total > MAX_TOTAL_BYTES:
                        raise ImportRefused(
                            f"The zip inflates to more than {MAX_TOTAL_BYTES // 2**20} MB; "
                            "nothing was imported. Split it into smaller zips."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise ImportRefused(
                f"{info.filename[:200]} in the zip cannot be read ({exc}). Nothing was imported."
            ) from exc
        yield info, b"".join(chunks)


def _too_big(name: str, limit: int) -> str:
    return (
        f"{name[:200]} in the zip is larger than {limit // 2**20} MB once "
        "unpacked; nothing was imported."
    )
