"""The sanitiser's policy on its own (nh3 allowlist, link rel, URL schemes), rendered Markdown
read with a browser-grade parser, code highlighting and prose-only summaries."""

from pathlib import Path

import pytest

from blog.rendering import (
    ALLOWED_TAGS,
    LINK_REL,
    code_stylesheet,
    markdown_render,
    prose_text,
    sanitize,
)
from tests.blog.conftest import write
from tests.conftest import host_client
from tests.html import active_content, find, parse, parse_fragment

STATIC = Path(__file__).resolve().parents[2] / "static"


# -- the policy, straight through nh3 ------------------------------------------------------


@pytest.mark.parametrize(
    "tag", ["script", "style", "iframe", "object", "embed", "form", "input", "svg", "math",
            "link", "meta", "base", "textarea", "button", "template", "div", "font"],
)  # fmt: skip
def test_tags_outside_the_allowlist_are_removed(tag):
    cleaned = sanitize(f"<{tag} id=x>inside</{tag}><p>after</p>")
    assert parse_fragment(cleaned).find(f".//{tag}") is None
    assert "<p>after</p>" in cleaned
    assert tag not in ALLOWED_TAGS


def test_script_and_style_lose_their_content_too():
    assert sanitize("<script>alert(1)</script><style>p{}</style>ok") == "ok"


def test_allowed_tags_and_attributes_are_kept():
    html = (
        "<h2>T</h2><p><strong>b</strong> <em>i</em> <code>c</code> <del>d</del></p>"
        '<ol start="3"><li id="fn1">x</li></ol><table><thead><tr><th align="left">h</th></tr>'
        '</thead><tbody><tr><td align="right">d</td></tr></tbody></table>'
        '<img src="https://example.org/a.png" alt="A" width="10" height="10">'
    )
    assert sanitize(html) == html


@pytest.mark.parametrize(
    "html",
    [
        '<p onclick="alert(1)">x</p>', '<img src="https://e.org/a.png" onerror="alert(1)">',
        '<p style="background:url(javascript:alert(1))">x</p>', '<a href="#" onmouseover="x">a</a>',
    ],
)  # fmt: skip
def test_event_handlers_and_styles_are_removed(html):
    cleaned = sanitize(html)
    assert "on" not in "".join(
        name[:2] for element in parse_fragment(cleaned).iter() for name in element.attrib
    )
    assert "style" not in cleaned


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "vbscript:msgbox(1)",
     "data:text/html,<script>alert(1)</script>", "data:image/png;base64,AAAA", "file:///etc/passwd",
     "jav&#x09;ascript:alert(1)"],
)  # fmt: skip
def test_only_http_https_and_mailto_urls_survive(url):
    for html in (f'<a href="{url}">x</a>', f'<img src="{url}">'):
        element = parse_fragment(sanitize(html))[0]
        assert element.get("href") is None and element.get("src") is None, html


@pytest.mark.parametrize(
    "url", ["https://example.org/", "http://example.org/a?b=c", "mailto:me@example.org", "/about/",
            "#fn1"],
)  # fmt: skip
def test_safe_urls_are_kept(url):
    assert parse_fragment(sanitize(f'<a href="{url}">x</a>'))[0].get("href") == url


def test_every_link_gets_the_blogs_rel_whatever_it_had():
    links = parse_fragment(
        sanitize('<a href="https://e.org" rel="opener">a</a><a href="/x" rel="me">b</a>')
    )
    assert [a.get("rel") for a in links] == [LINK_REL, LINK_REL]
    assert set(LINK_REL.split()) == {"noopener", "nofollow", "ugc"}


def test_classes_on_spans_are_only_pygments_tokens():
    cleaned = parse_fragment(sanitize('<span class="tok-k evil">a</span><p class="x">b</p>'))
    assert cleaned[0].get("class") == "tok-k"
    assert cleaned[1].get("class") is None


def test_comments_are_dropped():
    assert sanitize("a<!-- <script>alert(1)</script> -->b") == "ab"


# -- rendered Markdown, read as a browser reads it -----------------------------------------


def test_markdown_links_and_images_are_sanitised_in_the_output():
    html = markdown_render(
        "[home](https://example.org) ![pixel](data:image/png;base64,AAAA) "
        "[mail](mailto:me@example.org) [x](javascript:alert(1))"
    )
    fragment = parse_fragment(html)
    links = fragment.findall(".//a")
    assert [a.get("href") for a in links] == ["https://example.org", "mailto:me@example.org"]
    assert all(a.get("rel") == LINK_REL for a in links)  # only nh3 adds rel
    image = fragment.find(".//img")
    assert image.get("src") is None  # markdown-it allows data: images; the allowlist does not
    assert active_content(html) == []


def test_raw_html_is_text_in_the_output():
    html = markdown_render('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">')
    fragment = parse_fragment(html)
    assert fragment.find(".//script") is None and fragment.find(".//img") is None
    assert "<script>alert(1)</script>" in "".join(fragment.itertext())


def test_preview_check_covers_the_whole_preview_past_footnotes(owner_client):
    """The footnotes' own <section> used to end the preview check early."""
    body = "Note[^1]\n\n[^1]: the note\n\n![x](data:image/png;base64,AAAA)\n\n[a](https://e.org)"
    response = owner_client.post(
        "/dashboard/posts/new/", {"title": "P", "body": body, "preview": ""}
    )
    preview = find(response.content, ".//section[@class='preview']")
    assert preview.find(".//section[@class='footnotes']") is not None
    images = preview.findall(".//img")
    assert len(images) == 1 and images[0].get("src") is None  # after the footnotes' section
    assert [a.get("rel") for a in preview.findall(".//a[@href='https://e.org']")] == [LINK_REL]


# -- code highlighting ----------------------------------------------------------------------


def test_fenced_code_is_highlighted_with_classes_only():
    html = markdown_render('```python\ndef f():\n    return "<b>"\n```')
    code = parse_fragment(html).find("pre/code")
    assert code.get("class") == "language-python"
    spans = code.findall("span")
    assert spans and all(s.get("class", "").startswith("tok-") for s in spans)
    assert not any(s.get("style") for s in spans)
    assert "".join(code.itertext()) == 'def f():\n    return "<b>"\n'  # the code, as typed
    assert active_content(html) == []


def test_unknown_or_missing_languages_are_plain_escaped_code():
    for fence in ("```\n<b>x</b>\n```", "```no-such-language\n<b>x</b>\n```"):
        code = parse_fragment(markdown_render(fence)).find("pre/code")
        assert code.findall("span") == [] and "".join(code.itertext()) == "<b>x</b>\n"


def test_code_stylesheets_are_current_and_follow_the_theme(tenant, owner_client):
    for theme in ("light", "dark"):
        css = (STATIC / f"code-{theme}.css").read_text()
        assert css == code_stylesheet(theme=theme), "run: python -m blog.rendering"
        assert "pre code .tok-k {" in css and "style=" not in css
    write(tenant, "Code", body="```python\nx = 1\n```")
    reader = host_client(tenant)
    links = [link.get("href") for link in parse(reader.get("/code/").content).iter("link")]
    assert "/static/code-light.css" in links and "/static/code-dark.css" not in links
    owner_client.post(
        "/dashboard/settings/",
        {"language": "english", "theme": "dark", "accent": "#8ea6ff", "posts_per_page": 5},
    )
    links = [link.get("href") for link in parse(reader.get("/code/").content).iter("link")]
    assert "/static/code-dark.css" in links and "/static/code-light.css" not in links
    assert reader.get("/static/code-dark.css").status_code == 200


# -- summaries --------------------------------------------------------------------------------


def test_summaries_are_built_from_prose_only(tenant):
    body = (
        "First words here.\n\n```python\nsecret_code = 1\n```\n\n"
        "| col |\n|-----|\n| cell text |\n\n"
        "Second part[^1].\n\n[^1]: footnote text\n"
    )
    post = write(tenant, "Prose", body=body)
    assert post.summary == "First words here. Second part."
    html = host_client(tenant).get("/").content
    item = find(html, ".//ul[@class='post-list']/li/p")
    assert "".join(item.itertext()) == "First words here. Second part."


def test_odd_markup_in_an_excerpt_is_stripped_not_a_500(tenant):
    post = write(tenant, "Odd", excerpt='Odd markup <![><img src="]><img', body="b")
    assert post.summary.startswith("Odd markup")
    assert "<img" not in post.summary
    assert prose_text("a &amp; b <em>c</em>") == "a & b c"
