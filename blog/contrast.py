"""WCAG 2.x contrast of the blog's accent colour against what it is drawn on.

Relative luminance and contrast ratio as defined in WCAG 2.2 (1.4.3 Contrast (Minimum)):
https://www.w3.org/TR/WCAG22/#dfn-relative-luminance. Level AA asks 4.5:1 for normal text.
"""

from dataclasses import dataclass

AA_TEXT = 4.5
WHITE = "#ffffff"
# The page backgrounds of the two themes (`--bg` in static/quire.css).
THEME_BACKGROUNDS = {"light": "#ffffff", "dark": "#16171a"}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """'#rrggbb' -> 0.0 (black) .. 1.0 (white)."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) != 6:
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    r, g, b = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """1.0 (same colour) .. 21.0 (black on white); symmetric."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ContrastProblem:
    what: str  # e.g. "links on the dark theme's background"
    ratio: float

    def __str__(self) -> str:
        shown = round(self.ratio, 2)
        if shown >= AA_TEXT:  # 4.497 would round to 4.50: never show a fail as a pass
            shown = AA_TEXT - 0.01
        return f"{self.what}: {shown:.2f}:1 (AA needs {AA_TEXT}:1)"


def accent_problems(*, accent: str, theme: str) -> list[ContrastProblem]:
    """Where `accent` fails AA on the blog's theme: as link text on the page background, and
    behind the white text of buttons. An empty list means it passes both."""
    checks = [
        (f"links on the {theme} theme's background", accent, THEME_BACKGROUNDS[theme]),
        ("white text on accent-coloured buttons", WHITE, accent),
    ]
    problems = []
    for what, foreground, background in checks:
        ratio = contrast_ratio(foreground, background)
        if ratio < AA_TEXT:
            problems.append(ContrastProblem(what=what, ratio=ratio))
    return problems
