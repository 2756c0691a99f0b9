"""Parse HTML the way a browser does (html5lib, the WHATWG parsing algorithm) and report
anything that could run script. Never Python's HTMLParser: it does not parse as browsers do."""

import re
from xml.etree.ElementTree import Element

import html5lib

DANGEROUS_TAGS = {
    "script", "iframe", "object", "embed", "style", "base", "form", "meta", "frame", "frameset",
    "svg", "math", "link", "template", "noscript", "input", "button", "textarea", "select",
}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "data"}
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def parse(html: str | bytes) -> Element:
    """A whole page as an element tree (no XHTML namespace on the tags)."""
    return html5lib.parse(html, namespaceHTMLElements=False)


def parse_fragment(html: str) -> Element:
    return html5lib.parseFragment(html, namespaceHTMLElements=False)


def _url(value: str) -> str:
    """A URL attribute as browsers read it: no tabs or newlines inside, no leading controls."""
    return re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(33)))).lower()


def element_problems(root: Element, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Elements and attributes under `root` (itself included) that could run script."""
    problems: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""  # comments: a function
        if tag in DANGEROUS_TAGS and tag not in allowed:
            problems.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            if name in URL_ATTRS and _url(value or "").startswith(_BAD_SCHEMES):
                problems.append(f"<{tag} {name}={value[:30]}>")
            if name == "style":
                problems.append(f"<{tag} style>")
    return problems


def active_content(html: str) -> list[str]:
    """What could run script in an HTML fragment (a post body, a feed's content)."""
    return element_problems(parse_fragment(html))


_OUR_SCRIPTS = re.compile(r"/static/(comments|comment-counts)(\.[0-9a-f]{12})?\.js")


def body_problems(html: str | bytes) -> list[str]:
    """What could run script in a page's body, leaving out the blog's own search box,
    subscribe form and comment scripts (fixed markup of ours)."""
    body = parse(html).find("body")
    for parent in body.iter():
        for child in list(parent):
            if (
                child.tag == "form" and child.get("class") in ("site-search", "subscribe-form")
            ) or (child.tag == "script" and _OUR_SCRIPTS.fullmatch(child.get("src") or "")):
                parent.remove(child)
    return element_problems(body)


def find(html: str | bytes, path: str) -> Element:
    """One element of a page by ElementPath, e.g. ".//section[@class='preview']"."""
    element = parse(html).find(path)
    assert element is not None, f"no {path} in the page"
    return element


def head_problems(html: str | bytes) -> list[str]:
    """The <head> of a reader page may hold title, meta, link and one theme <style>; no
    http-equiv, no script, no event handlers or script URLs."""
    head = parse(html).find("head")
    problems: list[str] = []
    allowed = {"head", "title", "meta", "link", "style"}
    styles = 0
    for element in head.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag not in allowed:
            problems.append(f"<{tag}> in head")
        styles += tag == "style"
        for name, value in element.attrib.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            if name == "href" and _url(value or "").startswith(_BAD_SCHEMES):
                problems.append(f"<{tag} href={value[:30]}>")
            if name == "http-equiv":
                problems.append(f"<{tag} http-equiv>")
    if styles > 1:
        problems.append(f"{styles} <style> elements")
    return problems
