"""A brute-force recount of the dashboard's figures from the raw records, and the Directorate's
exported CSV tables compared with it.

Each participation's fact is worked out in Python, generations by walking the sessions from the
master trainers; the tables are counted from those facts with plain loops. Used by the figures
property test after every write, and on a database restored from a backup.
"""

import csv
import io
from collections import defaultdict

from audit.selectors import CASCADE_KINDS
from cascade.models import (
    Outcome,
    Participation,
    SessionKind,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from courses.models import Course
from lms.models import Gender, Governorate, Person, PoliceUnit


def session_generations() -> dict[int, int]:
    """Each session's generation, by relaxing trainer → participant edges from the master trainers."""
    trainers: dict[int, set[int]] = defaultdict(set)
    for session_id, person_id in SessionTrainer.objects.values_list("session_id", "person_id"):
        trainers[session_id].add(person_id)
    attended = list(Participation.objects.values_list("session_id", "person_id"))
    person = {pk: 0 for pk in Person.objects.filter(is_master_trainer=True).values_list("pk", flat=True)}
    changed = True
    while changed:
        changed = False
        for session_id, participant in attended:
            for trainer in trainers[session_id] - {participant}:
                if trainer in person and person[trainer] + 1 < person.get(participant, 99):
                    person[participant] = person[trainer] + 1
                    changed = True
    found = {}
    for session_id, people in trainers.items():
        placed = [person[t] for t in people if t in person]
        if placed:
            found[session_id] = min(placed) + 1
    return found


def facts_from_records() -> list[dict]:
    """Every participation's fact, from the raw rows."""
    generation = session_generations()
    sessions = {s.pk: s for s in TrainingSession.objects.all()}
    people = {p.pk: p for p in Person.objects.all()}
    units = dict(PoliceUnit.objects.values_list("pk", "governorate_id"))
    lead = dict(SessionTrainer.objects.filter(role=TrainerRole.LEAD).values_list("session_id", "person_id"))
    qualified = set(TrainerQualification.objects.values_list("person_id", "source_session_id"))
    rows = []
    for p in Participation.objects.all():
        s, person = sessions[p.session_id], people[p.person_id]
        lead_id = lead.get(s.pk)
        gain = p.post_score - p.pre_score if p.pre_score is not None and p.post_score is not None else None
        rows.append(
            {
                "participation": p.pk,
                "person": p.person_id,
                "session": s.pk,
                "course": s.course_id,
                "kind": s.kind,
                "governorate": s.governorate_id,
                "centre": s.training_centre_id,
                "unit": person.unit_id,
                "station": person.station_id,
                "serves_in": units[person.unit_id] if person.unit_id else person.governorate_id,
                "lead": lead_id,
                "gender": person.gender,
                "generation": generation.get(s.pk),
                "start": s.start_date,
                "outcome": p.outcome,
                "completed": p.outcome == Outcome.COMPLETED,
                "pre": p.pre_score,
                "post": p.post_score,
                "gain": gain,
                "master_led_tot": s.kind == SessionKind.TOT
                and lead_id is not None
                and people[lead_id].is_master_trainer,
                "qualified": (p.person_id, s.pk) in qualified,
            }
        )
    return rows


def _counts(rows: list[dict]) -> dict:
    return {
        "people": len({r["person"] for r in rows}),
        "women": len({r["person"] for r in rows if r["gender"] == Gender.FEMALE}),
        "participations": len(rows),
        "completions": sum(r["completed"] for r in rows),
    }


def _by(rows: list[dict], key: str) -> list[dict]:
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return [{"key": value, **_counts(found)} for value, found in sorted(groups.items())]


def recount(rows: list[dict]) -> dict:
    """The dashboard's tables, counted in Python from the brute-force facts."""
    trainers_of = defaultdict(set)
    for session_id, person_id in SessionTrainer.objects.values_list("session_id", "person_id"):
        trainers_of[session_id].add(person_id)
    cascade = [r for r in rows if r["kind"] in CASCADE_KINDS and r["generation"] is not None]
    generations = []
    for generation in sorted({r["generation"] for r in cascade}):
        found = [r for r in cascade if r["generation"] == generation]
        trainers = set().union(*(trainers_of[r["session"]] for r in found))
        generations.append({"key": generation, "people": len({r["person"] for r in found}), "trainers": len(trainers)})
    scored = defaultdict(list)
    for r in rows:
        if r["kind"] == SessionKind.CASCADE and r["lead"] is not None and r["completed"] and r["gain"] is not None:
            scored[(r["lead"], r["course"])].append(r["gain"])
    return {
        "totals": _counts(rows),
        "programme": {
            "direct_people": len({r["person"] for r in rows if r["kind"] == SessionKind.DIRECT}),
            "direct_women": len(
                {r["person"] for r in rows if r["kind"] == SessionKind.DIRECT and r["gender"] == Gender.FEMALE}
            ),
            "tot_trainers": len(
                {r["person"] for r in rows if r["kind"] == SessionKind.TOT and r["master_led_tot"] and r["qualified"]}
            ),
            "cascade_people": len({r["person"] for r in rows if r["kind"] == SessionKind.CASCADE}),
        },
        "by_governorate": _by(rows, "governorate"),
        "by_course": _by(rows, "course"),
        "generations": generations,
        "trainers": sorted(
            (trainer, course, len(gains), round(float(sum(gains)) / len(gains), 2))
            for (trainer, course), gains in scored.items()
        ),
    }


# The exported tables compared with the recount.
EXPORTED = ("summary", "totals", "governorates", "courses", "generations", "trainers")


def _exported(client) -> dict[str, list[list[str]]]:
    """The rows of each exported CSV table, as the Directorate downloads it (header left out)."""
    tables = {}
    for slug in EXPORTED:
        response = client.get(f"/audit/export/{slug}.csv")
        assert response.status_code == 200, slug
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        tables[slug] = rows[1:]
    return tables


def _numbers(row: list[str]) -> list[int]:
    return [int(cell) for cell in row]


def _recount_as_exported(counted: dict) -> dict:
    """The recount in the exported tables' shape: each row's name as the table writes it, then its figures."""
    places = {g.pk: g.name for g in Governorate.objects.all()}
    codes = dict(Course.objects.values_list("pk", "code"))
    names = {p.pk: str(p) for p in Person.objects.filter(pk__in={t for t, *_ in counted["trainers"]})}

    def counts(row: dict) -> list[int]:
        return [row["people"], row["women"], row["participations"], row["completions"]]

    programme, totals = counted["programme"], counted["totals"]
    return {
        "summary": [
            programme["direct_people"],
            programme["direct_women"],
            programme["tot_trainers"],
            programme["cascade_people"],
        ],
        "totals": counts(totals),
        "governorates": sorted((places[r["key"]], *counts(r)) for r in counted["by_governorate"]),
        "courses": sorted((codes[r["key"]], *counts(r)) for r in counted["by_course"]),
        "generations": sorted((str(r["key"]), r["people"], r["trainers"]) for r in counted["generations"]),
        "trainers": sorted(
            (names[trainer], codes[course], scored, gain) for trainer, course, scored, gain in counted["trainers"]
        ),
    }


def _exports_as_recounted(tables: dict[str, list[list[str]]]) -> dict:
    """The exported tables' cells that the recount also works out, parsed back from the CSV text."""
    return {
        "summary": [int(row[1]) for row in tables["summary"]],
        "totals": [int(row[1]) for row in tables["totals"]],
        "governorates": sorted((row[0], *_numbers(row[1:5])) for row in tables["governorates"]),
        # A course is written "code · title": its code names it.
        "courses": sorted((row[0].split(" · ")[0], *_numbers(row[1:5])) for row in tables["courses"]),
        "generations": sorted((row[0], int(row[1]), int(row[2])) for row in tables["generations"]),
        "trainers": sorted((row[0], row[1].split(" · ")[0], int(row[2]), float(row[3])) for row in tables["trainers"]),
    }


def assert_exports_equal_recount(client, counted: dict, step) -> None:
    """The CSV tables ``client`` downloads hold the figures of ``counted`` (a ``recount``)."""
    exported = _exports_as_recounted(_exported(client))
    expected = _recount_as_exported(counted)
    exported_trainers, expected_trainers = exported.pop("trainers"), expected.pop("trainers")
    assert exported == expected, step
    assert [row[:3] for row in exported_trainers] == [row[:3] for row in expected_trainers], step
    # The mean gain is written with one decimal; the recount keeps two.
    gains = [(row[:3], abs(row[3] - other[3])) for row, other in zip(exported_trainers, expected_trainers, strict=True)]
    assert all(difference <= 0.051 for _row, difference in gains), (step, gains)
