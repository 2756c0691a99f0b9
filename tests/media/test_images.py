"""media.images on real files made with Pillow: what is accepted, what readers get."""

import io

import pytest
from PIL import Image

from media import images
from tests.media import images as make

CAP = 40_000_000
WIDTHS = (480, 960, 1600)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(make.jpeg_with_gps(), "JPEG"), (make.png(), "PNG"), (make.animated_gif(), "GIF")],
)
def test_accepted_images_are_recognised_by_their_bytes(data, fmt):
    assert images.image_inspect(data=data, max_pixels=CAP).format == fmt


def test_svg_is_refused_with_a_reason():
    with pytest.raises(images.MediaInvalid, match="SVG images are not accepted.*scripts"):
        images.image_inspect(data=make.SVG_WITH_SCRIPT, max_pixels=CAP)


def test_html_named_anything_is_not_an_image():
    with pytest.raises(images.MediaInvalid, match="not a JPEG, PNG, GIF or WebP image"):
        images.image_inspect(data=make.POLYGLOT_HTML, max_pixels=CAP)


def test_a_50_megapixel_bomb_is_refused_from_its_header():
    bomb = make.png_bomb()
    assert len(bomb) < 1000
    with pytest.raises(images.MediaTooLarge, match="10000×5000 pixels.*limit is 40 megapixels"):
        images.image_inspect(data=bomb, max_pixels=CAP)


def test_a_truncated_image_is_refused():
    with pytest.raises(images.MediaInvalid, match="damaged or incomplete"):
        images.image_inspect(data=make.png()[:60], max_pixels=CAP)


def test_processing_strips_gps_and_applies_the_orientation():
    source = make.jpeg_with_gps(size=(1200, 800), orientation=6)  # "rotate 90° to view"
    assert make.has_gps(source)
    done = images.image_process(data=source, max_pixels=CAP, widths=WIDTHS)
    assert (done.width, done.height) == (800, 1200)
    for copy in done.copies:
        assert not make.has_gps(copy.data), copy.suffix
        assert dict(make.exif_of(copy.data)) == {}  # no EXIF at all, orientation included
    made = {(c.suffix, c.extension) for c in done.copies}
    assert made == {("", "jpg"), ("-480", "webp"), ("-480", "jpg")}  # 960 and 1600: too wide
    with Image.open(io.BytesIO(done.copies[0].data)) as full:
        # The blue block was top-left across; after the rotation it is top-right, tall.
        assert full.getpixel((790, 10))[2] > 150 and full.getpixel((10, 10))[0] > 150


def test_the_polyglot_is_re_encoded_without_its_html():
    done = images.image_process(data=make.polyglot_jpeg_html(), max_pixels=CAP, widths=WIDTHS)
    assert all(b"<script" not in c.data for c in done.copies)


def test_animated_gifs_keep_their_frames_and_get_a_still_thumbnail():
    done = images.image_process(data=make.animated_gif(), max_pixels=CAP, widths=WIDTHS)
    full, still = done.copies
    with Image.open(io.BytesIO(full.data)) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
    assert still.still and still.extension == "webp" and still.width == 480
