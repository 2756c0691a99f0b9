"""The file's format from its first bytes (never its name or the browser's content type)."""

from blog.imports.common import ImportRefused

SNIFF_BYTES = 4096

WXR, JSON, ZIP = "wxr", "json", "zip"


def format_detect(head: bytes) -> str:
    """`head`: the file's first bytes. Raises ImportRefused for anything else."""
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return JSON
    if text.startswith(b"<"):
        if b"<rss" in head or b"<?xml" in head[:100]:
            return WXR
    raise ImportRefused(
        "This file is not one Quire can import. Upload a WordPress export (.xml, from Tools → "
        "Export), a Ghost export (.json, from Settings → Labs → Export), a .zip of Markdown "
        "files with front matter, or a Quire export (.zip)."
    )
