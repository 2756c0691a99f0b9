"""Image processing throughput of one worker process: what `tasks.media.media_process` does
per upload (decode, orientation, EXIF strip, full-size re-encode, 480/960/1600 px copies in
WebP and the original format), on photo-like images of a few sizes, with the copies written
through Django's FileSystemStorage as the worker does.

    .venv/bin/python bench/media.py [--seconds 5]

A Celery worker runs one task at a time per process (`--concurrency` processes per worker
machine), so images/s here is per worker process. Prints a table; no database needed.
"""

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(INSTALLED_APPS=["django.contrib.messages"], USE_TZ=True)
django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from PIL import Image  # noqa: E402

from media import images  # noqa: E402

WIDTHS = (480, 960, 1600)
CASES = [
    ("JPEG", (800, 600)),
    ("JPEG", (2000, 1500)),
    ("JPEG", (4032, 3024)),  # a 12 MP phone photo
    ("PNG", (1280, 720)),  # a screenshot
    ("GIF", (480, 270)),  # animated, 10 frames
]


def photo(size: tuple[int, int], fmt: str) -> bytes:
    """Gradients plus noise: compresses like a photo, not like a flat colour."""
    w, h = size
    grad = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 12)
    img = Image.merge("RGB", (grad, noise, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    if fmt == "GIF":
        frames = [img.rotate(i * 5) for i in range(10)]
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    elif fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}
        img.save(out, "JPEG", quality=90, exif=exif)
    else:
        img.save(out, fmt)
    return out.getvalue()


def run(data: bytes, storage: FileSystemStorage, seconds: float) -> tuple[int, float, int]:
    count, started, written = 0, time.perf_counter(), 0
    while True:
        done = images.image_process(data=data, max_pixels=40_000_000, widths=WIDTHS)
        for copy in done.copies:
            name = storage.save(f"b/{count}{copy.suffix}.{copy.extension}", ContentFile(copy.data))
            written += len(copy.data)
            storage.delete(name)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and count >= 3:
            return count, elapsed, written // count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per case")
    args = parser.parse_args()
    print(f"Pillow {Image.__version__}, widths {WIDTHS}, one process\n")
    header = f"{'format':<6} {'size':>11} {'MP':>5} {'upload':>9} {'copies':>7} {'written':>9}"
    print(header + f" {'ms/image':>9} {'images/s':>9}")
    with tempfile.TemporaryDirectory() as root:
        storage = FileSystemStorage(location=root)
        for fmt, size in CASES:
            data = photo(size, fmt)
            copies = len(
                images.image_process(data=data, max_pixels=40_000_000, widths=WIDTHS).copies
            )
            count, elapsed, written = run(data, storage, args.seconds)
            print(
                f"{fmt:<6} {size[0]:>5}×{size[1]:<5} {size[0] * size[1] / 1e6:>5.1f} "
                f"{len(data) / 1e3:>7.0f}KB {copies:>7} {written / 1e3:>7.0f}KB "
                f"{1000 * elapsed / count:>9.1f} {count / elapsed:>9.2f}"
            )


if __name__ == "__main__":
    main()
