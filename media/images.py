"""Pillow work on one image, free of Django models: what an upload is (by its content), and
the copies readers get (EXIF stripped, orientation applied, responsive widths).

Refused, with a message saying what to do: anything that is not JPEG, PNG, GIF or WebP by
its bytes (the name and the browser's content type are ignored); SVG (it is a document that
can run scripts); images over the pixel cap (decompression bombs are refused from their
header, before any pixel is decoded); damaged files.
"""

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from lib.errors import ApplicationError

# Pillow format -> (file extension, content type). Nothing else is accepted.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
MAX_FRAMES = 1000
ACCEPTED = "JPEG, PNG, GIF or WebP"


class MediaInvalid(ApplicationError):
    """The upload is not an image we accept; the message says what to do instead."""


class MediaTooLarge(MediaInvalid):
    status_code = 413


def sniff(head: bytes) -> str | None:
    """The Pillow format named by the file's first bytes (its magic number), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head[:4096].lower()
    return b"<svg" in text or (text.lstrip().startswith(b"<?xml") and b"svg" in text)


@dataclass
class Inspected:
    format: str
    width: int
    height: int
    frames: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]


def _pixel_check(width: int, height: int, frames: int, *, max_pixels: int) -> None:
    pixels = width * height
    if pixels > max_pixels:
        raise MediaTooLarge(
            f"This image is {width}×{height} pixels ({pixels / 1e6:.0f} megapixels); the limit "
            f"is {max_pixels / 1e6:.0f} megapixels. Resize it and upload it again."
        )
    if frames > MAX_FRAMES or pixels * frames > 10 * max_pixels:
        raise MediaTooLarge(
            f"This animation has {frames} frames of {width}×{height} pixels: too many to "
            "process. Shorten or shrink it and upload it again."
        )


def image_inspect(*, data: bytes, max_pixels: int) -> Inspected:
    """What the bytes are, from their content alone. Raises MediaInvalid / MediaTooLarge.

    The pixel cap is checked on the header's dimensions before anything is decoded, so a
    tiny file claiming 50,000×50,000 pixels costs nothing."""
    fmt = sniff(data[:16])
    if fmt is None:
        if _looks_like_svg(data):
            raise MediaInvalid(
                "SVG images are not accepted: an SVG file can carry scripts. Export it as PNG "
                "or WebP and upload that instead."
            )
        raise MediaInvalid(
            f"This file is not a {ACCEPTED} image (checked by its content, not its name). "
            "Save it in one of these formats and upload it again."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                width, height = img.size
                _pixel_check(width, height, 1, max_pixels=max_pixels)
                frames = getattr(img, "n_frames", 1)
                _pixel_check(width, height, frames, max_pixels=max_pixels)
                img.verify()
    except MediaInvalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(
            f"This image has too many pixels to process safely; the limit is "
            f"{max_pixels / 1e6:.0f} megapixels. Resize it and upload it again."
        ) from exc
    except Exception as exc:  # Pillow's errors for bad files are many (OSError, SyntaxError...)
        raise MediaInvalid(
            f"This {FORMATS[fmt][0].upper()} file is damaged or incomplete and cannot be read. "
            "Open it in an image editor, save it again and upload that."
        ) from exc
    if width < 1 or height < 1:
        raise MediaInvalid("This image has no pixels.")
    return Inspected(format=fmt, width=width, height=height, frames=frames)


@dataclass
class Copy:
    """One file made from the upload: `suffix` "" is the full-size served copy."""

    suffix: str
    extension: str
    data: bytes
    width: int
    height: int
    still: bool = False  # a first-frame picture of an animation (not for srcset)


@dataclass
class Processed:
    width: int
    height: int
    copies: list[Copy] = field(default_factory=list)


# Only these survive from the upload's metadata: colours and transparency, never EXIF, XMP,
# comments or text chunks (where cameras and phones put GPS positions).
_KEEP_INFO = ("icc_profile", "transparency", "duration", "loop", "background")


def _clean(img: Image.Image) -> Image.Image:
    img.info = {k: v for k, v in img.info.items() if k in _KEEP_INFO}
    return img


def _encode(img: Image.Image, fmt: str, **extra) -> bytes:
    out = io.BytesIO()
    options: dict = {"format": fmt}
    if fmt == "JPEG":
        options |= {"quality": 85, "progressive": True}
        if img.mode not in ("RGB", "L", "CMYK"):
            img = img.convert("RGB")
    elif fmt == "WEBP":
        # method 2 of 0-6 (the default is 4): WebP encoding is a large part of a worker's time,
        # and the lower effort costs only a little size at these widths.
        options |= {"quality": 80, "method": 2}
    elif fmt == "GIF" and img.mode not in ("P", "L"):
        img = img.convert("RGBA").quantize() if img.mode == "RGBA" else img.convert("P")
    if "icc_profile" in img.info:
        options["icc_profile"] = img.info["icc_profile"]
    img.save(out, **(options | extra))
    return out.getvalue()


def _scaled(img: Image.Image, width: int) -> Image.Image:
    height = max(1, round(img.height * width / img.width))
    if img.mode in ("P", "PA", "LA", "I", "I;16", "F", "1"):
        img = img.convert("RGBA" if img.has_transparency_data else "RGB")
    return _clean(img.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))


def image_process(
    *, data: bytes, max_pixels: int, widths: tuple[int, ...] | list[int]
) -> Processed:
    """The served copies of an upload: full size in its own format, and for each width
    narrower than the image a WebP and an own-format copy. Animations keep every frame in
    the full-size copy and get one still WebP (their first frame) for thumbnails."""
    seen = image_inspect(data=data, max_pixels=max_pixels)
    fmt = seen.format
    with Image.open(io.BytesIO(data), formats=[fmt]) as source:
        if getattr(source, "is_animated", False):
            return _process_animation(source, fmt=fmt, widths=widths)
        img = ImageOps.exif_transpose(source)  # a new image: the rotation the camera meant
        img.load()
    img = _clean(img)
    done = Processed(width=img.width, height=img.height)
    done.copies.append(Copy("", seen.extension, _encode(img, fmt), img.width, img.height))
    # Widest first, each from the one before: a 12 MP photo is resampled once, not three times.
    source = img
    for width in sorted({w for w in widths if w < img.width}, reverse=True):
        scaled = source = _scaled(source, width)
        done.copies.append(Copy(f"-{width}", "webp", _encode(scaled, "WEBP"), width, scaled.height))
        if fmt != "WEBP":
            data_own = _encode(scaled, fmt)
            done.copies.append(Copy(f"-{width}", seen.extension, data_own, width, scaled.height))
    return done


def _process_animation(source: Image.Image, *, fmt: str, widths) -> Processed:
    width, height = source.size
    out = io.BytesIO()
    options = {"format": fmt, "save_all": True, "loop": source.info.get("loop", 0)}
    if fmt == "WEBP":
        options |= {"quality": 80}
    source.info = {k: v for k, v in source.info.items() if k in _KEEP_INFO}
    source.save(out, **options)
    done = Processed(width=width, height=height)
    done.copies.append(Copy("", FORMATS[fmt][0], out.getvalue(), width, height))
    source.seek(0)
    first = source.convert("RGBA")
    still_width = min([w for w in widths if w < width] or [width])
    still = _scaled(first, still_width) if still_width < width else _clean(first)
    done.copies.append(
        Copy(f"-{still.width}", "webp", _encode(still, "WEBP"), still.width, still.height, True)
    )
    return done
