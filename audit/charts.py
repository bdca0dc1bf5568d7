"""Server-rendered charts (no JavaScript, no CDN): the page and the PDF report embed the same
markup. The line is SVG (its labels are numbers); bars, the funnel and the map are HTML boxes
sized in CSS, because WeasyPrint lays out SVG text without Arabic shaping or bidi ordering.
Every label is escaped; every number is written in the site's format (``config.formats``).
Bars are sorted, largest first; the quarterly line is spaced by time, and a quarter without any
session leaves a gap in it instead of joining its neighbours. Each link carries an accessible
name (the label and the number it leads to); the figure's caption names the chart.

Iraq's 18 governorates are drawn as a tile grid that keeps their rough positions (north at the
top); no boundary data is needed.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from config.formats import number

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


def _link(inner: str, href: str, name: str = "") -> str:
    """``inner`` as a link to ``href`` (when there is one), named ``name`` for assistive technology."""
    if not href:
        return inner
    label = f' aria-label="{escape(name)}"' if name else ""
    return f'<a href="{escape(href)}"{label}>{inner}</a>'


def _shown(bar: Bar) -> str:
    return bar.note or number(bar.value)


def sorted_bars(bars: list[Bar]) -> list[Bar]:
    """Largest first; equal values in label order."""
    return sorted(bars, key=lambda b: (-(b.value or 0), b.label))


def bar_chart(bars: list[Bar], *, title: str) -> SafeString:
    """Horizontal bars, one per item, largest first, longest = full width. HTML rather than SVG
    text, so that Arabic labels are shaped and ordered by the browser's (and WeasyPrint's) text
    layout. ``title`` names the list."""
    bars = sorted_bars(bars)
    top = max((b.value for b in bars), default=0) or 1
    rows = []
    for bar in bars:
        share = 100 * bar.value / top if bar.value else 0
        fill = f'<span class="fill" style="inline-size: {share:.1f}%"></span>'
        shown = _shown(bar)
        rows.append(
            f'<li class="hbar"><span class="label">{escape(bar.label)}</span>'
            f'<span class="track">{_link(fill, bar.href, f"{bar.label}: {shown}")}</span>'
            f'<span class="value"><bdi dir="ltr">{escape(shown)}</bdi></span></li>'
        )
    return mark_safe(f'<ul class="hbars" aria-label="{escape(title)}">{"".join(rows)}</ul>')  # noqa: S308


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarters_between(first: date, last: date) -> list[date]:
    """The first days of every quarter from ``first``'s to ``last``'s, in order."""
    out, day = [], quarter_start(first)
    while day <= last:
        out.append(day)
        day = date(day.year + (day.month == 10), 1 if day.month == 10 else day.month + 3, 1)
    return out


def line_chart(points: dict[date, Bar], *, title: str, width: int = 640, height: int = 220) -> SafeString:
    """People per quarter, one x position per calendar quarter from the first to the last with
    data (left to right in both directions of writing): a quarter without any session has no
    point, and the line stops there instead of joining its neighbours."""
    pad_x, pad_y = 40, 24
    days = quarters_between(min(points), max(points)) if points else []
    top = max((p.value for p in points.values()), default=0) or 1
    step = (width - 2 * pad_x) / max(1, len(days) - 1)

    def x_of(i: int) -> float:
        return pad_x + i * step if len(days) > 1 else width / 2

    def y_of(value: float) -> float:
        return height - pad_y - (height - 2 * pad_y) * value / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="quarters-title">'
        f'<title id="quarters-title">{escape(title)}</title>',
        f'<line x1="{pad_x}" y1="{height - pad_y}" x2="{width - pad_x}" y2="{height - pad_y}" stroke="{LINE}"/>',
        f'<text x="4" y="{pad_y}" font-size="13" fill="{MUTED}">{escape(number(top))}</text>',
    ]
    run: list[str] = []
    runs: list[list[str]] = []
    for i, day in enumerate(days):
        point = points.get(day)
        if point is None:
            if run:
                runs.append(run)
            run = []
            parts.append(  # the empty quarter, marked on the axis
                f'<line class="gap" x1="{x_of(i):.1f}" y1="{height - pad_y - 4}" x2="{x_of(i):.1f}" '
                f'y2="{height - pad_y + 4}" stroke="{MUTED}"/>'
            )
            continue
        run.append(f"{x_of(i):.1f},{y_of(point.value):.1f}")
    if run:
        runs.append(run)
    for segment in runs:
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
    label_every = max(1, (len(days) + 23) // 24)  # at most about six years labelled
    for i, day in enumerate(days):
        point = points.get(day)
        if point is not None:
            shown = number(point.value)
            tip = f"<title>{escape(point.label)}: {escape(shown)}</title>"
            dot = f'<circle cx="{x_of(i):.1f}" cy="{y_of(point.value):.1f}" r="4" fill="{BRAND}">{tip}</circle>'
            parts.append(_link(dot, point.href, f"{point.label}: {shown}"))
        if day.month == 1 and (day.year % label_every == 0 or label_every == 1):
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{height - 6}" font-size="13" fill="{MUTED}" '
                f'text-anchor="middle">{day.year}</text>'
            )
    if days and days[0].month != 1:
        parts.append(
            f'<text x="{x_of(0):.1f}" y="{height - 6}" font-size="13" fill="{MUTED}" '
            f'text-anchor="middle">{escape(points[days[0]].label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def funnel(stages: list[Bar], *, title: str) -> SafeString:
    """Centred bars narrowing with the generations: people reached at each level of the cascade."""
    top = max((s.value for s in stages), default=0) or 1
    rows = []
    for i, stage in enumerate(stages):
        share = max(12.0, 100 * stage.value / top)
        text = f"{escape(stage.label)} · <bdi>{escape(_shown(stage))}</bdi>"
        inner = f'<span class="stage" style="inline-size: {share:.1f}%; opacity: {1 - i * 0.15:.2f}">{text}</span>'
        rows.append(f'<li class="step">{_link(inner, stage.href)}</li>')
    return mark_safe(f'<ol class="funnel" aria-label="{escape(title)}">{"".join(rows)}</ol>')  # noqa: S308


def tile_map(tiles: dict[str, tuple[str, float | None, str, str]], *, title: str, legend: str) -> SafeString:
    """Governorate tiles shaded by coverage. ``tiles``: code → (name, share 0–1 or None, caption, href).

    The grid is laid out left to right whatever the page's direction (west stays west)."""
    cells = []
    for code, (col, row) in TILE_GRID.items():
        name, share, caption, href = tiles.get(code, (code, None, "", ""))
        fill = "#eef1f4" if share is None else _shade(share)
        ink = _readable_ink(fill)
        body = f'<span class="name" dir="auto">{escape(name)}</span><strong>{escape(caption)}</strong>'
        cells.append(
            f'<div class="tile" title="{escape(name)}: {escape(caption)}" '
            f'style="grid-column: {col + 1}; grid-row: {row + 1}; background: {fill}; color: {ink}">'
            f"{_link(body, href)}</div>"
        )
    return mark_safe(  # noqa: S308
        f'<div class="tilemap-wrap"><div class="tilemap" dir="ltr" role="group" aria-label="{escape(title)}">'
        f'{"".join(cells)}</div><p class="legend">{escape(legend)}</p></div>'
    )


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _readable_ink(fill: str) -> str:
    """White or the ink colour, whichever contrasts more with the tile's fill (WCAG AA wants 4.5)."""
    return max(("#ffffff", INK), key=lambda ink: _contrast(ink, fill))


def _shade(share: float) -> str:
    """Light to dark blue as coverage grows (0 → pale, 1 or more → the brand colour), in two
    ranges with a step between them: pale tiles carry dark text and dark tiles white text, each
    with a contrast of at least 4.5 (a single ramp has mid tones that neither text reaches)."""
    share = max(0.0, min(1.0, share))
    if share <= 0.5:
        low, high, t = (222, 235, 247), (150, 186, 222), share * 2
    else:
        low, high, t = (58, 98, 142), (11, 61, 110), (share - 0.5) * 2
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def dashboard_charts(figures: dict, tables: dict) -> dict[str, SafeString]:
    """The dashboard's five charts, linked to the same drill-downs as the tables' numbers."""
    from django.utils.translation import gettext as _

    def bars(slug: str, value_column: int = 1) -> list[Bar]:
        return [Bar(row[0].text, row[value_column].value or 0, row[value_column].href) for row in tables[slug].rows]

    quarters = {
        date.fromisoformat(row["key"]): Bar(table_row[0].text, table_row[1].value or 0, table_row[1].href)
        for row, table_row in zip(figures["by_quarter"], tables["quarters"].rows, strict=True)
    }
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
            tiles[code] = (name, achieved / target, f"{number(achieved * 100 / target, 0)}%", "")
        elif people.get(pk):
            tiles[code] = (name, None, number(people[pk]), "")
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
