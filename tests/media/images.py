"""Real image files made with Pillow for the media tests (nothing is read from disk)."""

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(*, size=(1200, 800), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF has a GPS position (and a camera make), like a phone photo."""
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))  # a blue block top-left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(*, size=(640, 480), mode="RGBA") -> bytes:
    img = Image.new(mode, size, (10, 120, 60, 200) if mode == "RGBA" else (10, 120, 60))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def noise_png(*, size=(300, 300)) -> bytes:
    """A PNG that does not compress (random pixels): its size is about 3 bytes a pixel."""
    bands = [
        Image.effect_noise(size, 100).point(lambda v, k=k: (v * (k + 3)) % 256) for k in range(3)
    ]
    out = io.BytesIO()
    Image.merge("RGB", bands).save(out, "PNG")
    return out.getvalue()


def animated_gif(*, size=(600, 300), frames=4) -> bytes:
    pictures = [Image.new("RGB", size, (i * 60 % 256, 80, 200 - i * 40)) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=100, loop=0)
    return out.getvalue()


POLYGLOT_HTML = b"<html><body><script>alert(document.domain)</script></body></html>"


def polyglot_jpeg_html() -> bytes:
    """A valid JPEG with an HTML page after its end marker (a browser sniffing it as HTML would
    run the script)."""
    return jpeg_with_gps(size=(100, 100)) + POLYGLOT_HTML


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(*, width=10_000, height=5_000) -> bytes:
    """A few hundred bytes claiming width×height pixels (50 megapixels by default): a valid
    header and one small compressed chunk, as decompression bombs are made."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00" * (width + 1) * 8, 9)  # only the first rows
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )  # fmt: skip


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as img:
        return img.getexif()


def has_gps(data: bytes) -> bool:
    exif = exif_of(data)
    return GPS_IFD in exif or bool(exif.get_ifd(GPS_IFD)) or b"GPS" in data[:65536]
