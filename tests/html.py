"""Parse HTML the way a browser would and report anything that could run script."""

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "base", "form", "meta"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRS and value.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value[:30]}>")
            if name == "style":
                self.problems.append(f"<{tag} style>")


def active_content(html: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    return collector.problems


def fragment_of(html: str, start: str, end: str) -> str:
    """The part of a page between two markers (e.g. the article), for focused checks."""
    return html.split(start, 1)[1].split(end, 1)[0]


class _HeadCollector(HTMLParser):
    """The <head> of a reader page may hold title, meta, link and one theme <style>."""

    ALLOWED = {"html", "head", "title", "meta", "link", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.problems.append(f"<{tag}> in head")
        self.styles += tag == "style"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name == "href" and value.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} href={value[:30]}>")
            if name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv>")


def head_problems(html: str) -> list[str]:
    collector = _HeadCollector()
    collector.feed(html.split("<body>", 1)[0])
    if collector.styles > 1:
        collector.problems.append(f"{collector.styles} <style> elements")
    return collector.problems
