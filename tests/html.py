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
