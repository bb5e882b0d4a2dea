"""Charts drawn on the server as SVG (no script; the page's CSP allows none inline): bars
per unit and a month-by-month trend. Each chart carries its figures as text too (titles
and labels), and the page shows a table beside it with the same numbers."""

from markupsafe import Markup, escape

from web.i18n import _

BAR = 18  # px per unit row
GAP = 6
LABEL_W = 240
PLOT_W = 360
COLOUR = "#1f5f99"


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def bars(rows: list[tuple[str, float]], title: str) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max([v for _, v in rows] + [0]) or 1
    height = len(rows) * (BAR + GAP) + GAP + 20
    width = LABEL_W + PLOT_W + 60
    parts = [
        f'<svg class="chart chart-bars" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        w = round(PLOT_W * value / top, 1)
        text = escape(label if len(label) <= 36 else label[:35] + "…")
        parts += [
            f'<text x="{LABEL_W - 6}" y="{y + BAR - 5}" text-anchor="end" font-size="12">'
            f"{text}</text>",
            f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w}" height="{BAR}" '
            f'fill="{COLOUR}" data-value="{_number(value)}"><title>{escape(label)}: '
            f"{_number(value)}</title></rect>",
            f'<text x="{LABEL_W + w + 4}" y="{y + BAR - 5}" font-size="12">{_number(value)}</text>',
        ]
    axis_y = height - 18
    parts.append(f'<line x1="{LABEL_W}" y1="{GAP}" x2="{LABEL_W}" y2="{axis_y}" stroke="#555" />')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(points: list[tuple[str, float]], title: str) -> Markup:
    """One bar per month with a line through their tops; labels mm/yyyy."""
    top = max([v for _, v in points] + [0]) or 1
    step, plot_h, base = 44, 160, 190
    width = 40 + step * max(len(points), 1)
    parts = [
        f'<svg class="chart chart-trend" role="img" viewBox="0 0 {width} 220" width="{width}" '
        'height="220" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="30" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#555" />',
    ]
    line: list[str] = []
    for i, (month, value) in enumerate(points):
        x = 36 + i * step
        h = round(plot_h * value / top, 1)
        label = _("T{month}/{year}", month=int(month[5:7]), year=month[2:4])  # T10/24
        parts += [
            f'<rect class="bar" x="{x}" y="{base - h}" width="{step - 14}" height="{h}" '
            f'fill="{COLOUR}" opacity="0.75" data-value="{_number(value)}"><title>{label}: '
            f"{_number(value)}</title></rect>",
            f'<text x="{x + (step - 14) / 2}" y="{base + 14}" text-anchor="middle" '
            f'font-size="10">{label}</text>',
            f'<text x="{x + (step - 14) / 2}" y="{base - h - 4}" text-anchor="middle" '
            f'font-size="11">{_number(value)}</text>',
        ]
        line.append(f"{x + (step - 14) / 2},{base - h}")
    if len(line) > 1:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="#c0392b" stroke-width="2" />'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
