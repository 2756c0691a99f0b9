"""A daily chart as inline SVG, drawn on the server (no JavaScript, no build step): bars for
the first series, a line for the second, a y axis with round ticks, dates along the x axis,
a legend, and each day's figures as a tooltip. Every label is escaped."""

import math
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 30, 38
BAR, LINE = "#4a6fa5", "#d9822b"


def nice_ticks(peak: float, *, count: int = 4) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to at least `peak`."""
    if peak <= 0:
        return [0, 1]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1)
    return [step * i for i in range(math.ceil(peak / step) + 1)]


def _num(value: float) -> str:
    return f"{value:,.0f}"


def daily_chart_svg(
    *, title: str, days: list[date], bars: tuple[str, list[int]], line: tuple[str, list[int]] | None
) -> SafeString:
    """`bars` and `line` are (name, one value per day)."""
    bar_name, bar_values = bars
    values = list(bar_values) + (list(line[1]) if line else [])
    ticks = nice_ticks(max(values, default=0))
    top_value = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top_value

    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ccc" stroke-width="0.5"/>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="currentColor">{}</text>',
        (
            (
                LEFT,
                f"{y(t):.1f}",
                WIDTH - RIGHT,
                f"{y(t):.1f}",
                LEFT - 4,
                f"{y(t) + 3:.1f}",
                _num(t),
            )
            for t in ticks
        ),
    )
    every = max(1, math.ceil(len(days) / 10))  # at most about ten dates along the axis
    parts = []
    for i, day in enumerate(days):
        value = bar_values[i]
        x = LEFT + i * slot
        tip = f"{day:%a %d %b %Y}: {_num(value)} {bar_name.lower()}"
        if line:
            tip += f", {_num(line[1][i])} {line[0].lower()}"
        label = f"{day:%d %b}" if i % every == 0 else ""
        parts.append(
            (
                f"{x + slot * 0.15:.1f}", f"{y(value):.1f}", f"{slot * 0.7:.1f}",
                f"{TOP + plot_h - y(value):.1f}", BAR, tip,
                f"{x + slot / 2:.1f}", HEIGHT - BOTTOM + 14, label,
            )
        )  # fmt: skip
    body = format_html_join(
        "",
        '<g><rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="currentColor">{}</text>'
        "</g>",
        parts,
    )
    polyline = ""
    if line:
        points = " ".join(
            f"{LEFT + i * slot + slot / 2:.1f},{y(v):.1f}" for i, v in enumerate(line[1])
        )
        polyline = format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', points, LINE
        )
    legend = format_html(
        '<rect x="{}" y="8" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="17" font-size="13" fill="currentColor">{}</text>',
        LEFT, BAR, LEFT + 14, bar_name,
    )  # fmt: skip
    if line:
        legend += format_html(
            '<line x1="{}" y1="13" x2="{}" y2="13" stroke="{}" stroke-width="2"/>'
            '<text x="{}" y="17" font-size="13" fill="currentColor">{}</text>',
            LEFT + 110, LEFT + 124, LINE, LEFT + 128, line[0],
        )  # fmt: skip
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="1"/>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="currentColor">'
        "UTC days</text>",
        LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, WIDTH - RIGHT, HEIGHT - 4,
    )  # fmt: skip
    return format_html(
        '<figure class="chart"><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}">{}{}{}{}{}</svg></figure>',
        title, WIDTH, HEIGHT, title, grid, body, polyline, axis, legend,
    )  # fmt: skip
