"""media.rendering through blog.rendering.markdown_render: the blog's own images get width,
height and srcset; everything else is left as nh3 made it."""

import html5lib
import pytest

from blog.models import Post
from media import services as media_services
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.media import images as make
from tests.media.conftest import upload

pytestmark = pytest.mark.django_db


def test_a_post_saved_while_its_image_was_processing_gets_the_sizes_once_processed(
    tenant, owner_client
):
    sent = upload(owner_client, "late.png", make.png(size=(1000, 500))).json()
    post = write(tenant, "Early", body=f'![Late & "quoted"]({sent["url"]})')
    assert "width=" not in post.body_html  # still processing: nothing known yet
    with tenant_context(tenant):
        media_services.media_process(media_id=sent["id"])
        html = Post.objects.get(id=post.id).body_html
    img = html5lib.parse(html, namespaceHTMLElements=False).find(".//img")
    assert (img.get("width"), img.get("height")) == ("1000", "500")
    assert img.get("alt") == 'Late & "quoted"'
    base = sent["url"].rsplit(".", 1)[0]
    assert img.get("srcset") == f"{base}-480.png 480w, {base}-960.png 960w, {sent['url']} 1000w"


def test_the_live_preview_shows_the_processed_image_with_its_sizes(tenant, owner_client):
    sent = upload(owner_client, "p.jpg", make.jpeg_with_gps(size=(600, 400))).json()
    with tenant_context(tenant):
        media_services.media_process(media_id=sent["id"])
    body = f"![p]({sent['absolute_url']}) and ![p]({sent['url']}?v=1)"
    fragment = owner_client.post("/dashboard/preview/", {"title": "t", "body": body})
    doc = html5lib.parse(fragment.content.decode(), namespaceHTMLElements=False)
    images = list(doc.iter("img"))
    assert len(images) == 2 and all(i.get("width") == "600" for i in images)
    assert [s.get("type") for s in doc.iter("source")] == ["image/webp", "image/webp"]


def test_images_that_are_not_the_blogs_files_are_untouched(tenant):
    post = write(tenant, "Others", body="![a](/media/not/ours.jpg) ![b](https://x.org/media/y.png)")
    assert "width=" not in post.body_html and "<picture>" not in post.body_html
    assert '<img src="/media/not/ours.jpg" alt="a">' in post.body_html
