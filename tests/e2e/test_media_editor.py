"""Uploading from the editor in a real Chromium: the button, drag-and-drop and paste put the
image's Markdown at the cursor; the cover button fills the cover URL; refusals are shown."""

import base64
import re

import pytest

from media.models import MediaFile
from tenants.context import tenant_context
from tests.media import images as make
from tests.support.browser import LAPTOP, PHONE, blog_base, log_in, shots_dir

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Builds a File in the page and fires a drop or paste event carrying it, as the browser does
# when a person drags a file from their desktop or pastes a screenshot.
_FIRE = """([kind, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, {type}));
  const body = document.querySelector("textarea[name=body]");
  const event = kind === "drop"
    ? new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true})
    : new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true});
  body.dispatchEvent(event);
}"""


def _fire(page, kind: str, name: str, type_: str, data: bytes) -> None:
    page.evaluate(_FIRE, [kind, name, type_, base64.b64encode(data).decode()])


def _cursor_after(page, text: str) -> None:
    page.evaluate(
        """(text) => { const b = document.querySelector("textarea[name=body]");
        const at = b.value.indexOf(text) + text.length;
        b.focus(); b.setSelectionRange(at, at); }""",
        text,
    )


def test_button_drop_and_paste_insert_markdown_at_the_cursor(
    live_server, browser, make_blog, tmp_path
):
    tenant = make_blog("alpha")
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    page.goto(base + "/dashboard/posts/new/")
    body = page.locator("textarea[name=body]")
    body.fill("First paragraph.\nSecond paragraph.")

    _cursor_after(page, "First paragraph.")
    page.locator("button[data-upload=body]").locator(
        "xpath=following-sibling::input"
    ).set_input_files(
        files=[{"name": "Button Shot.png", "mimeType": "image/png", "buffer": make.png()}]
    )
    page.wait_for_function(
        "document.querySelector('textarea[name=body]').value.includes('button-shot')"
    )
    lines = body.input_value().split("\n")
    assert lines[0] == "First paragraph."
    assert re.fullmatch(
        r"!\[Button Shot\]\(/media/t_[0-9a-f]+/[0-9a-f]{24}/[0-9a-f]{16}/button-shot\.png\)",
        lines[1],
    )
    assert lines[2] == "Second paragraph."

    _cursor_after(page, "Second paragraph.")
    _fire(page, "drop", "dropped.jpg", "image/jpeg", make.jpeg_with_gps(size=(50, 40)))
    page.wait_for_function(
        "document.querySelector('textarea[name=body]').value.includes('dropped.jpg')"
    )
    _cursor_after(page, "First paragraph.")
    _fire(page, "paste", "image.png", "image/png", make.png(size=(60, 30)))
    page.wait_for_function(
        "document.querySelector('textarea[name=body]').value.includes('/image.png')"
    )
    lines = body.input_value().split("\n")
    assert lines[0] == "First paragraph."
    assert lines[1].startswith("![image](/media/") and lines[2].startswith("![Button Shot]")
    assert lines[3] == "Second paragraph." and lines[4].startswith("![dropped](/media/")

    cover = page.locator("input[name=cover_image_url]")
    page.locator("button[data-upload=cover]").locator(
        "xpath=following-sibling::input"
    ).set_input_files(
        files=[{"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": make.jpeg_with_gps()}]
    )
    page.wait_for_function("document.querySelector('input[name=cover_image_url]').value !== ''")
    assert re.fullmatch(rf"{re.escape(base)}/media/t_[0-9a-f]+/.+/cover\.jpg", cover.input_value())

    _fire(page, "drop", "logo.svg", "image/svg+xml", make.SVG_WITH_SCRIPT)
    page.wait_for_function("document.getElementById('upload-status').textContent.includes('SVG')")
    assert "can carry scripts" in page.locator("#upload-status").inner_text()
    assert "logo" not in body.input_value()

    page.fill("input[name=title]", "With pictures")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    with tenant_context(tenant):
        assert MediaFile.objects.count() == 4
        names = set(MediaFile.objects.values_list("name", flat=True))
    assert names == {"Button Shot.png", "dropped.jpg", "image.png", "cover.jpg"}

    # The library with those files fits a laptop and a phone.
    for viewport, shot in ((LAPTOP, "media-library-1280.png"), (PHONE, "media-library-360.png")):
        page.set_viewport_size(viewport)
        page.goto(base + "/dashboard/media/")
        assert page.locator(".media-grid li").count() == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(shots_dir(tmp_path) / shot), full_page=True)
    context.close()
