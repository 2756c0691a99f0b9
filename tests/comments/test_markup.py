"""A comment's Markdown subset and its sanitising."""

from comments.markup import comment_render, links_count
from tests.html import active_content


def test_the_subset_renders_and_everything_else_stays_text():
    html = comment_render(
        "*em* **strong** `code` [link](https://example.org/)\n\n> quote\n\n```\nblock\n```\n\n"
        "# not a heading\n\n![not an image](https://example.org/i.png)\n\n| not | a table |"
    )
    for tag in ("<em>", "<strong>", "<code>", "<blockquote>", "<pre>"):
        assert tag in html
    assert '<a href="https://example.org/" rel="noopener nofollow ugc">link</a>' in html
    assert "<h1" not in html and "<img" not in html and "<table" not in html
    assert "# not a heading" in html


def test_script_urls_and_raw_html_are_inert():
    for source in (
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<https://example.org/" onmouseover="alert(1)>',
        "[x](vbscript:msgbox)",
    ):
        assert active_content(comment_render(source)) == [], source


def test_links_are_counted_whether_marked_up_or_bare():
    assert links_count("see https://a.example and www.b.example") == 2
    assert links_count("[a](https://a.example) <https://b.example> [c](https://c.example)") == 3
    assert links_count("no links here") == 0
