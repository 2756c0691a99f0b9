"""Bar charts as inline SVG, drawn on the server: no JavaScript, no build step."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD, LABEL = 640, 200, 24, 16


def bar_chart_svg(*, title: str, bars: list[tuple[str, float]], unit: str = "") -> SafeString:
    """A labelled bar chart. Labels and values are escaped; sizes are computed here."""
    peak = max((value for _label, value in bars), default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(len(bars), 1)
    show_every = max(1, len(bars) // 10)  # keep x labels readable on long series
    rects = []
    for i, (label, value) in enumerate(bars):
        h = (HEIGHT - 2 * PAD - LABEL) * value / peak
        x = PAD + i * slot + slot * 0.1
        y = HEIGHT - PAD - LABEL - h
        text = str(label) if i % show_every == 0 else ""
        rects.append(
            (
                f"{x:.1f}", f"{y:.1f}", f"{slot * 0.8:.1f}", f"{h:.1f}",
                f"{label}: {value:g}{unit}",
                f"{x + slot * 0.4:.1f}", f"{HEIGHT - PAD:.1f}", text,
                f"{x + slot * 0.4:.1f}", f"{max(y - 3, 12):.1f}", f"{value:g}" if value else "",
            )
        )  # fmt: skip
    body = format_html_join(
        "",
        '<g><rect x="{}" y="{}" width="{}" height="{}" fill="#4a6fa5"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>'
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text></g>',
        rects,
    )
    return format_html(
        '<figure class="chart"><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}">{}</svg></figure>',
        title,
        WIDTH,
        HEIGHT,
        title,
        body,
    )
