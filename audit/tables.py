"""The dashboard's figures as labelled tables: one definition serves the page, the CSV and XLSX
exports and the PDF report, so they always agree.

Every count cell carries the drill-down query (the current filters, the cell's own dimension and
the measure it counts). Small groups: a station cell that would reveal fewer than
``AUDIT_SMALL_GROUP_THRESHOLD`` women (default 5) is shown as "<5" where suppression is on —
``AUDIT_SMALL_GROUPS_IN_EXPORTS`` (default on) for exports and the report,
``AUDIT_SMALL_GROUPS_ON_PAGES`` (default off) for the page.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit, Station, TrainingCentre

SMALL_GROUP_THRESHOLD_DEFAULT = 5
# The page lists this many trainers (flagged first, then the lowest ratios); exports list them all.
TRAINERS_ON_PAGE = 25


def small_group_threshold() -> int:
    return int(getattr(settings, "AUDIT_SMALL_GROUP_THRESHOLD", SMALL_GROUP_THRESHOLD_DEFAULT))


def suppress_small_groups(*, export: bool) -> bool:
    if export:
        return bool(getattr(settings, "AUDIT_SMALL_GROUPS_IN_EXPORTS", True))
    return bool(getattr(settings, "AUDIT_SMALL_GROUPS_ON_PAGES", False))


@dataclass
class Cell:
    value: object  # what an export writes: a number, a text, or None
    text: str = ""  # what a page shows
    href: str = ""  # the drill-down to the records this number counts
    numeric: bool = False


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    @property
    def columns(self) -> list[tuple[str, bool]]:
        """(header, is numeric): numeric headers line up with their numbers."""
        first = self.rows[0] if self.rows else []
        return [(h, i < len(first) and first[i].numeric) for i, h in enumerate(self.headers)]

    @property
    def report_html(self) -> SafeString:
        return self.html(links=False)

    def html(self, *, links: bool = True) -> SafeString:
        """The table as HTML, built here rather than by template loops: a national page has
        thousands of cells and this is several times faster. Every text is escaped."""
        head = "".join(
            f'<th scope="col"{' class="num"' if numeric else ""}>{escape(header)}</th>'
            for header, numeric in self.columns
        )
        body = []
        for row in self.rows:
            cells = []
            for cell in row:
                inner = escape(cell.text)
                if cell.href and links:
                    inner = f'<a href="{escape(cell.href)}">{inner}</a>'
                if cell.numeric:
                    cells.append(f'<td class="num"><bdi dir="ltr">{inner}</bdi></td>')
                else:
                    cells.append(f"<td>{inner}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")  # noqa: S308


def _english() -> bool:
    return (get_language() or "ar").startswith("en")


def _course_label(course: Course) -> str:
    return f"{course.code} · {course.title_en if _english() else course.title_ar}"


class Labels:
    """Names of the places, courses and trainers a set of figures refers to, in the active language."""

    def __init__(self, figures: dict) -> None:
        self.governorates = {g.pk: g for g in Governorate.objects.all()}
        self.centres = {c.pk: c for c in TrainingCentre.objects.all()}
        self.courses = {c.pk: c for c in Course.objects.all()}
        station_ids = {row["key"] for row in figures.get("by_station", [])} | {
            s for s, _c in figures.get("never_reached", {}).get("stations", [])
        }
        self.stations = {s.pk: s for s in Station.objects.filter(pk__in=station_ids)}
        unit_ids = {u for u, _c in figures.get("never_reached", {}).get("units", [])}
        self.units = {u.pk: u for u in PoliceUnit.objects.filter(pk__in=unit_ids)}
        trainer_ids = {row["trainer"] for row in figures.get("trainers", {}).get("rows", [])}
        self.people = {p.pk: p for p in Person.objects.filter(pk__in=trainer_ids)}

    def governorate(self, pk) -> str:
        return self.governorates[pk].name if pk in self.governorates else "—"

    def centre(self, pk) -> str:
        return self.centres[pk].name if pk in self.centres else "—"

    def course(self, pk) -> str:
        return _course_label(self.courses[pk]) if pk in self.courses else "—"


def querystring(filters: dict, **overrides) -> str:
    """Filters as JSON values (``selectors.filters_key``) plus overrides, as a URL query."""
    params = {}
    for key, value in {**filters, **overrides}.items():
        if value in (None, ""):
            continue
        if key == "period":
            params["period_after"], params["period_before"] = value
        else:
            params[key] = value
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


class Builder:
    def __init__(self, figures: dict, filters: dict, *, export: bool) -> None:
        self.figures = figures
        self.filters = filters
        self.export = export
        self.labels = Labels(figures)
        self.records_url = reverse("audit:records")
        self.suppress = suppress_small_groups(export=export)
        self.threshold = small_group_threshold()
        # A national page formats thousands of numbers: the locale's separators are read once.
        self.thousands = get_format("THOUSAND_SEPARATOR")
        self.decimal_mark = get_format("DECIMAL_SEPARATOR")
        self._bases: dict[tuple, str] = {}

    def href(self, measure: str, dims: dict) -> str:
        """The drill-down URL: the filters (those the cell does not set itself), then the cell's own."""
        keys = tuple(sorted(dims))
        base = self._bases.get(keys)
        if base is None:
            base = self._bases[keys] = querystring({k: v for k, v in self.filters.items() if k not in dims})
        own = urlencode({"measure": measure, **{k: v for k, v in dims.items() if v not in (None, "")}})
        return f"{self.records_url}?{base}&{own}" if base else f"{self.records_url}?{own}"

    def count(self, value, measure: str | None = None, **dims) -> Cell:
        text = f"{value or 0:,}".replace(",", self.thousands)
        return Cell(value, text, self.href(measure, dims) if measure else "", True)

    def small(self, value, measure: str, **dims) -> Cell:
        """A count that names a small group of women: "<5" where suppression is on."""
        if self.suppress and value and 0 < value < self.threshold:
            return Cell(f"<{self.threshold}", f"<{self.threshold}", "", True)
        return self.count(value, measure, **dims)

    def decimal(self, value, digits: int = 1, suffix: str = "") -> Cell:
        if value is None:
            return Cell(None, "—", numeric=True)
        text = f"{value:,.{digits}f}".replace(",", "\0").replace(".", self.decimal_mark).replace("\0", self.thousands)
        return Cell(round(value, digits), f"{text}{suffix}", numeric=True)

    def text(self, value: str) -> Cell:
        return Cell(value, value)


def _percent(part, whole):
    return part * 100 / whole if whole else None


def build_tables(
    figures: dict, filters: dict, *, export: bool = False, skip: frozenset[str] = frozenset()
) -> dict[str, Table]:
    """The tables of the dashboard, by slug, in page order (``skip``: slugs not wanted this time)."""
    b = Builder(figures, filters, export=export)
    lab = b.labels
    tables: dict[str, Table] = {}
    women_filter = filters.get("gender") == Gender.FEMALE

    prog = figures["programme"]
    tables["summary"] = Table(
        "summary",
        _("Programme summary"),
        [_("Figure"), _("People")],
        [
            [
                b.text(_("Participants trained directly on the programme's courses")),
                b.count(prog["direct_people"], "direct_people"),
            ],
            [b.text(_("of whom women")), b.count(prog["direct_women"], "direct_women")],
            [
                b.text(_("Trainers qualified through ToT sessions led by master trainers")),
                b.count(prog["tot_trainers"], "tot_trainers"),
            ],
            [
                b.text(_("Participants reached in cascade sessions (any generation)")),
                b.count(prog["cascade_people"], "cascade_people"),
            ],
        ],
    )
    totals = figures["totals"]
    tables["totals"] = Table(
        "totals",
        _("Coverage"),
        [_("Figure"), _("Count")],
        [
            [b.text(_("People trained")), b.count(totals["people"], "people")],
            [b.text(_("Women trained")), b.count(totals["women"], "women")],
            [b.text(_("Participations")), b.count(totals["participations"], "participations")],
            [b.text(_("Completions")), b.count(totals["completions"], "completions")],
        ],
    )
    count_headers = [_("People"), _("Women"), _("Participations"), _("Completions")]

    def counts(row: dict, **dims) -> list[Cell]:
        return [
            b.count(row["people"], "people", **dims),
            b.count(row["women"], "women", **dims),
            b.count(row["participations"], "participations", **dims),
            b.count(row["completions"], "completions", **dims),
        ]

    tables["governorates"] = Table(
        "governorates",
        _("Coverage by governorate"),
        [_("Governorate"), *count_headers],
        [[b.text(lab.governorate(r["key"])), *counts(r, governorate=r["key"])] for r in figures["by_governorate"]],
    )
    tables["centres"] = Table(
        "centres",
        _("Coverage by training centre"),
        [_("Training centre"), _("Governorate"), *count_headers],
        [
            [
                b.text(lab.centre(r["key"])),
                b.text(lab.governorate(lab.centres[r["key"]].governorate_id) if r["key"] in lab.centres else "—"),
                *counts(r, training_centre=r["key"]),
            ]
            for r in figures["by_centre"]
        ],
    )
    tables["courses"] = Table(
        "courses",
        _("Coverage by course"),
        [_("Course"), *count_headers],
        [[b.text(lab.course(r["key"])), *counts(r, course=r["key"])] for r in figures["by_course"]],
    )
    tables["quarters"] = Table(
        "quarters",
        _("Participants per quarter"),
        [_("Quarter"), _("People"), _("Participations")],
        [
            [
                b.text(quarter_label(r["key"])),
                b.count(r["people"], "people", quarter=r["key"]),
                b.count(r["participations"], "participations", quarter=r["key"]),
            ]
            for r in figures["by_quarter"]
        ],
    )

    target_rows, rollup = [], {}
    for line in figures["targets"]["lines"]:
        centre = line["centre"]
        measure = "centre_achieved" if centre else "achieved"
        dims = {"year": line["year"], "course": line["course"]}
        dims |= {"training_centre": centre} if centre else {"governorate": line["governorate"]}
        if "target_lines" not in skip:
            target_rows.append(
                [
                    b.text(str(line["year"])),
                    b.text(lab.governorate(line["governorate"])),
                    b.text(lab.centre(centre) if centre else "—"),
                    b.text(lab.course(line["course"])),
                    *_target_cells(b, line, measure, dims),
                ]
            )
        if not centre:
            total = rollup.setdefault(
                line["governorate"], {"target": 0, "target_women": 0, "achieved": 0, "achieved_women": 0}
            )
            for key in total:
                total[key] += line[key]
    target_headers = [
        _("Target"),
        _("Achieved"),
        # xgettext:no-python-format
        _("% of target"),
        _("Gap"),
        _("Women target"),
        _("Women achieved"),
        _("Women's share %"),
        _("Women target share %"),
    ]
    tables["targets"] = Table(
        "targets",
        _("National training plan by governorate"),
        [_("Governorate"), *target_headers],
        [
            [b.text(lab.governorate(gov)), *_target_cells(b, total, "achieved", {"governorate": gov})]
            for gov, total in sorted(rollup.items(), key=lambda item: lab.governorate(item[0]))
        ],
        note=_("People trained in cascade and direct sessions toward each target line, summed over the lines."),
    )
    tables["target_lines"] = Table(
        "target_lines",
        _("National training plan, line by line"),
        [_("Year"), _("Governorate"), _("Training centre"), _("Course"), *target_headers],
        target_rows,
    )

    tables["generations"] = Table(
        "generations",
        _("Cascade by generation"),
        [
            _("Generation"),
            _("People reached"),
            _("Their trainers"),
            _("Reach multiplier"),
            _("Scored completions"),
            _("Mean pre→post gain"),
        ],
        [
            [
                b.text(str(r["key"])),
                b.count(r["people"], "reached", generation=r["key"]),
                b.count(r["trainers"], "trainers", generation=r["key"]),
                b.decimal(r["reach"], 2),
                b.count(r["scored"], "scored", generation=r["key"]),
                b.decimal(r["mean_gain"], 1),
            ]
            for r in figures["generations"]
        ],
        note=_("ToT and cascade sessions; direct sessions sit outside the cascade."),
    )
    trainers = figures["trainers"]
    tables["trainers"] = Table(
        "trainers",
        _("Learning gain by trainer"),
        [
            _("Trainer"),
            _("Course"),
            _("Scored participants"),
            _("Mean gain"),
            _("Own ToT cohort's gain"),
            _("Ratio"),
            _("Mentoring"),
        ],
        [
            [
                b.text(str(lab.people.get(r["trainer"], "—"))),
                b.text(lab.course(r["course"])),
                b.count(r["scored"], "scored", lead_trainer=r["trainer"], course=r["course"], kind="cascade"),
                b.decimal(r["mean_gain"], 1),
                b.decimal(r["cohort_gain"], 1),
                b.decimal(r["ratio"], 2),
                b.text(str(_("Flagged for mentoring")) if r["flagged"] else ""),
            ]
            for r in (trainers["rows"] if export else trainers["rows"][:TRAINERS_ON_PAGE])
        ],
        note=_(
            "Flagged when the trainer's participants gain less than %(ratio)s of the gain of the trainer's own ToT "
            "cohort, with at least %(minimum)s scored participants. %(flagged)s of %(judged)s trainers are flagged; "
            "listed from the lowest ratio, the page shows the first %(shown)s and the exports every flagged trainer."
        )
        % {
            "ratio": trainers["ratio_limit"],
            "minimum": trainers["minimum"],
            "flagged": trainers["flagged"],
            "judged": trainers["judged"],
            "shown": TRAINERS_ON_PAGE,
        },
    )
    station_rows = []
    for r in figures["by_station"]:
        station = lab.stations.get(r["key"])
        people_cell = (
            b.small(r["people"], "people", station=r["key"])
            if women_filter
            else b.count(r["people"], "people", station=r["key"])
        )
        station_rows.append(
            [
                b.text(station.name if station else "—"),
                b.text(lab.governorate(station.governorate_id) if station else "—"),
                b.text(str(_("Yes")) if station and station.is_model_police_station else ""),
                people_cell,
                b.small(r["women"], "women", station=r["key"]),
            ]
        )
    tables["stations"] = Table(
        "stations",
        _("Coverage by police station"),
        [_("Station"), _("Governorate"), _("Model Police Station"), _("People"), _("Women")],
        station_rows,
    )
    never = figures["never_reached"] if "never_reached" not in skip else {"stations": [], "units": []}
    tables["never_reached"] = Table(
        "never_reached",
        _("Stations and units never reached in a course"),
        [_("Place"), _("Kind of place"), _("Governorate"), _("Course")],
        [
            [
                b.text(lab.stations[s].name),
                b.text(str(_("Police station"))),
                b.text(lab.governorate(lab.stations[s].governorate_id)),
                b.text(lab.course(c)),
            ]
            for s, c in never["stations"]
            if s in lab.stations
        ]
        + [
            [
                b.text(lab.units[u].name),
                b.text(str(_("Police unit"))),
                b.text(lab.governorate(lab.units[u].governorate_id)),
                b.text(lab.course(c)),
            ]
            for u, c in never["units"]
            if u in lab.units
        ],
    )
    return tables


def _target_cells(b: Builder, line: dict, measure: str, dims: dict) -> list[Cell]:
    target, achieved = line["target"], line["achieved"]
    women_target, women = line["target_women"], line["achieved_women"]
    return [
        b.count(target),
        b.count(achieved, measure, **dims),
        b.decimal(_percent(achieved, target), 1),
        b.count(target - achieved),
        b.count(women_target),
        b.count(women, f"{measure}_women", **dims),
        b.decimal(_percent(women, achieved), 1),
        b.decimal(_percent(women_target, target), 1),
    ]


def quarter_label(iso: str) -> str:
    """A calendar quarter in the reader's language: "2024 Q3", "الربع 3 من 2024"."""
    day = date.fromisoformat(iso)
    return gettext("%(year)s Q%(quarter)s") % {"year": day.year, "quarter": (day.month - 1) // 3 + 1}
