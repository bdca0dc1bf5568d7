"""Server-rendered charts (no JavaScript, no CDN): the page and the PDF report embed the same
markup. The line is SVG (its labels are numbers); bars, the funnel and the map are HTML boxes
sized in CSS, because WeasyPrint lays out SVG text without Arabic shaping or bidi ordering.
Every label is escaped.

Iraq's 18 governorates are drawn as a tile grid that keeps their rough positions (north at the
top); no boundary data is needed.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK, MUTED, BRAND, LINE = "#1d2733", "#5b6775", "#0b3d6e", "#d8dee5"

# Governorate code → (column, row) on a 5 × 6 grid, west at column 0.
TILE_GRID = {
    "DA": (3, 0),
    "NI": (2, 1), "AR": (3, 1), "SU": (4, 1),
    "AN": (1, 2), "SD": (2, 2), "KI": (3, 2), "DI": (4, 2),
    "KA": (1, 3), "BB": (2, 3), "BG": (3, 3), "WA": (4, 3),
    "NA": (1, 4), "QA": (2, 4), "DQ": (3, 4), "MA": (4, 4),
    "MU": (2, 5), "BA": (4, 5),
}  # fmt: skip


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str = ""
    note: str = ""


def _link(inner: str, href: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def bar_chart(bars: list[Bar], *, title: str) -> SafeString:
    """Horizontal bars, one per item, longest = full width. HTML rather than SVG text, so that
    Arabic labels are shaped and ordered by the browser's (and WeasyPrint's) text layout."""
    top = max((b.value for b in bars), default=0) or 1
    rows = []
    for bar in bars:
        share = 100 * bar.value / top if bar.value else 0
        fill = f'<span class="fill" style="inline-size: {share:.1f}%"></span>'
        rows.append(
            f'<div class="hbar"><span class="label">{escape(bar.label)}</span>'
            f'<span class="track">{_link(fill, bar.href)}</span>'
            f'<span class="value">{escape(bar.note or f"{bar.value:,.0f}")}</span></div>'
        )
    return mark_safe(f'<div class="hbars" role="img" aria-label="{escape(title)}">{"".join(rows)}</div>')  # noqa: S308


def line_chart(points: list[Bar], *, title: str, width: int = 640, height: int = 220) -> SafeString:
    """One line through the points, in time order (left to right in both directions of writing)."""
    pad_x, pad_y = 40, 24
    top = max((p.value for p in points), default=0) or 1
    step = (width - 2 * pad_x) / max(1, len(points) - 1)
    coords = [(pad_x + i * step, height - pad_y - (height - 2 * pad_y) * p.value / top) for i, p in enumerate(points)]
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{pad_x}" y1="{height - pad_y}" x2="{width - pad_x}" y2="{height - pad_y}" stroke="{LINE}"/>',
        f'<text x="4" y="{pad_y}" font-size="13" fill="{MUTED}">{top:,.0f}</text>',
    ]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
    for i, ((x, y), p) in enumerate(zip(coords, points, strict=True)):
        tip = f"<title>{escape(p.label)}: {p.value:,.0f}</title>"
        dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BRAND}">{tip}</circle>'
        parts.append(_link(dot, p.href))
        if i % max(1, len(points) // 6) == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" font-size="13" fill="{MUTED}" '
                f'text-anchor="middle">{escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def funnel(stages: list[Bar], *, title: str) -> SafeString:
    """Centred bars narrowing with the generations: people reached at each level of the cascade."""
    top = max((s.value for s in stages), default=0) or 1
    rows = []
    for i, stage in enumerate(stages):
        share = max(12.0, 100 * stage.value / top)
        text = f"{escape(stage.label)} · {escape(stage.note or f'{stage.value:,.0f}')}"
        inner = f'<span class="stage" style="inline-size: {share:.1f}%; opacity: {1 - i * 0.15:.2f}">{text}</span>'
        rows.append(f'<div class="step">{_link(inner, stage.href)}</div>')
    return mark_safe(f'<div class="funnel" role="img" aria-label="{escape(title)}">{"".join(rows)}</div>')  # noqa: S308


def tile_map(tiles: dict[str, tuple[str, float | None, str, str]], *, title: str, legend: str) -> SafeString:
    """Governorate tiles shaded by coverage. ``tiles``: code → (name, share 0–1 or None, caption, href).

    The grid is laid out left to right whatever the page's direction (west stays west)."""
    cells = []
    for code, (col, row) in TILE_GRID.items():
        name, share, caption, href = tiles.get(code, (code, None, "", ""))
        fill = "#eef1f4" if share is None else _shade(share)
        ink = "#fff" if share is not None and share > 0.55 else INK
        body = f'<span class="name" dir="auto">{escape(name)}</span><strong>{escape(caption)}</strong>'
        cells.append(
            f'<div class="tile" title="{escape(name)}: {escape(caption)}" '
            f'style="grid-column: {col + 1}; grid-row: {row + 1}; background: {fill}; color: {ink}">'
            f"{_link(body, href)}</div>"
        )
    return mark_safe(  # noqa: S308
        f'<div class="tilemap-wrap" role="img" aria-label="{escape(title)}"><div class="tilemap" dir="ltr">'
        f'{"".join(cells)}</div><p class="legend">{escape(legend)}</p></div>'
    )


def _shade(share: float) -> str:
    """Light to dark blue as coverage grows (0 → pale, 1 or more → the brand colour)."""
    share = max(0.0, min(1.0, share))
    low, high = (222, 235, 247), (11, 61, 110)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def dashboard_charts(figures: dict, tables: dict) -> dict[str, SafeString]:
    """The dashboard's five charts, linked to the same drill-downs as the tables' numbers."""
    from django.utils.translation import gettext as _

    def bars(slug: str, value_column: int = 1) -> list[Bar]:
        return [Bar(row[0].text, row[value_column].value or 0, row[value_column].href) for row in tables[slug].rows]

    quarters = [Bar(row[0].text, row[1].value or 0, row[1].href) for row in tables["quarters"].rows]
    stages = [
        Bar(_("Generation %(number)s") % {"number": row[0].text}, row[1].value or 0, row[1].href)
        for row in tables["generations"].rows
    ]
    tiles: dict[str, tuple[str, float | None, str, str]] = {}
    from lms.models import Governorate

    names = {g.pk: (g.code, g.name) for g in Governorate.objects.all()}
    rollup = {}
    for line in figures["targets"]["lines"]:
        if not line["centre"]:
            total = rollup.setdefault(line["governorate"], [0, 0])
            total[0] += line["target"]
            total[1] += line["achieved"]
    people = {row["key"]: row["people"] for row in figures["by_governorate"]}
    for pk, (code, name) in names.items():
        target, achieved = rollup.get(pk, (0, 0))
        if target:
            tiles[code] = (name, achieved / target, f"{achieved * 100 / target:.0f}%", "")
        elif people.get(pk):
            tiles[code] = (name, None, f"{people[pk]:,}", "")
        else:
            tiles[code] = (name, None, "—", "")
    # A tile links to the people trained toward its governorate's targets (the plan table's link).
    code_of_name = {name: code for code, name in names.values()}
    for row in tables["targets"].rows:
        code = code_of_name.get(row[0].text)
        if code in tiles:
            tiles[code] = (*tiles[code][:3], row[2].href)
    return {
        "governorates": bar_chart(bars("governorates"), title=_("People trained by governorate")),
        "courses": bar_chart(bars("courses"), title=_("People trained by course")),
        "quarters": line_chart(quarters, title=_("People trained per quarter")),
        "funnel": funnel(stages, title=_("Cascade funnel: people reached by generation")),
        "map": tile_map(
            tiles,
            title=_("Coverage of the national training plan by governorate"),
            legend=_(
                "Share of the plan's target achieved (darker is higher); figures without a target show people trained."
            ),
        ),
    }
