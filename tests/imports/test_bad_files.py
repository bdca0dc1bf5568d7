"""The acceptance files: 5,000 rows with 150 bad ones are refused row by row and store nothing;
corrected, they store every row; imported again, they change nothing."""

from datetime import date, timedelta

import pytest

from cascade.lineage_upkeep import stale_tables
from cascade.models import Participation, SessionKind, SessionTrainer, TrainerRole, TrainingSession
from imports import files
from imports.columns import PARTICIPATIONS, SESSIONS
from imports.services import records_import
from lms.models import Person
from tests.factories import PersonFactory
from tests.imports.helpers import write, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS, BAD = 5000, 150
BAD_INDEXES = list(range(10, ROWS, 33))[:BAD]


def read(path):
    return files.read_dataset(path, fmt=files.upload_format(str(path)), name=path.name)


def test_a_sessions_workbook_with_150_bad_rows_is_refused_row_by_row_then_stored_once_corrected(
    cascade, tmp_path, english
):
    trainers = [cascade.qualified_trainer() for _ in range(3)]
    unqualified = PersonFactory()
    centre = cascade.centre
    course_names = ["MPS-01", cascade.course.title_en, cascade.course.title_ar]

    def good(i):
        start = date(2022, 3, 1) + timedelta(days=i % 300)
        end = start + timedelta(days=4)
        as_text = (lambda d: d.isoformat()) if i % 2 else (lambda d: d.strftime("%d/%m/%Y"))
        return [
            f"IMP-{i:05d}",
            course_names[i % 3],
            "cascade",
            centre.code,
            "Baghdad" if i % 2 else "بغداد",
            as_text(start),
            as_text(end) if i % 5 else end,  # some cells are real dates
            trainers[i % 3].service_number,
            trainers[(i + 1) % 3].service_number,
            20,
            i % 4,
        ]

    kinds = ["governorate", "course", "dates", "unqualified", "duplicate", "formula"]
    expected_columns = {
        "governorate": "governorate",
        "course": "course_code",
        "dates": "end_date",
        "unqualified": "lead_trainer_service_number",
        "duplicate": "session_ref",
        "formula": "headcount_male",
    }
    rows, formulas, expected = [good(i) for i in range(ROWS)], {}, {}
    for n, i in enumerate(BAD_INDEXES):
        kind = kinds[n % len(kinds)]
        if kind == "governorate":
            rows[i][4] = "Atlantis"
        elif kind == "course":
            rows[i][1] = "MPS-99"
        elif kind == "dates":
            rows[i][6] = "01/01/2022"  # before every start date of the file
        elif kind == "unqualified":
            rows[i][7] = unqualified.service_number
        elif kind == "duplicate":
            rows[i] = list(rows[i - 1])
        else:
            formulas[(i, 9)] = "=10+10"
        expected[i + 2] = expected_columns[kind]

    sessions_before = TrainingSession.objects.count()
    bad_file = write(tmp_path / "sessions.xlsx", xlsx_bytes([c.name for c in SESSIONS], rows, formulas=formulas))
    outcome = records_import(kind="sessions", dataset=read(bad_file), dry_run=False)

    errors = {row.line: row for row in outcome.error_rows()}
    assert {line: row.column for line, row in errors.items()} == expected
    assert all(row.reason for row in errors.values())
    assert "MPS-99" in errors[BAD_INDEXES[1] + 2].reason
    assert "qualification" in errors[BAD_INDEXES[3] + 2].reason
    assert "row" in errors[BAD_INDEXES[4] + 2].reason
    assert outcome.counts["error"] == BAD
    assert TrainingSession.objects.count() == sessions_before
    assert not TrainingSession.objects.filter(ref__startswith="IMP-").exists()

    # The corrected rows, saved as CSV (real date cells become ISO text).
    fixed = [[cell.isoformat() if isinstance(cell, date) else cell for cell in good(i)] for i in range(ROWS)]
    corrected = write(tmp_path / "corrected.csv", files.write_csv([c.name for c in SESSIONS], fixed).encode())
    stored = records_import(kind="sessions", dataset=read(corrected), dry_run=False)
    assert stored.counts == {"new": ROWS, "updated": 0, "unchanged": 0, "error": 0}
    assert TrainingSession.objects.filter(ref__startswith="IMP-").count() == ROWS
    assert SessionTrainer.objects.filter(session__ref__startswith="IMP-", role=TrainerRole.LEAD).count() == ROWS
    assert SessionTrainer.objects.filter(session__ref__startswith="IMP-").count() == 2 * ROWS

    again = records_import(kind="sessions", dataset=read(corrected), dry_run=False)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": ROWS, "error": 0}


def test_a_participations_file_with_150_bad_rows_is_refused_row_by_row_then_stored_once_corrected(
    cascade, tmp_path, english
):
    trainer = cascade.qualified_trainer()
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                ref=f"P-{n:03d}",
                course=cascade.course,
                kind=SessionKind.CASCADE,
                training_centre=cascade.centre,
                governorate_id=cascade.centre.governorate_id,
                start_date=date(2022, 6, 1),
                end_date=date(2022, 6, 5),
            )
            for n in range(ROWS // 25)
        ]
    )
    SessionTrainer.objects.bulk_create(
        [SessionTrainer(session=s, person=trainer, role=TrainerRole.LEAD) for s in sessions]
    )
    people = Person.objects.bulk_create(
        [
            Person(
                service_number=f"7{i:06d}",
                name_ar=f"حسن {i}",
                name_ar_normalized=f"حسن {i}",
                gender="M",
                governorate_id=cascade.centre.governorate_id,
            )
            for i in range(ROWS)
        ]
    )

    def good(i):
        return [sessions[i // 25].ref, people[i].service_number, 5, 40 + i % 30, 70 + i % 30, "completed"]

    kinds = ["score", "duplicate", "formula", "session", "self"]
    expected_columns = {
        "score": "post_score",
        "duplicate": "service_number",
        "formula": "days_attended",
        "session": "session_ref",
        "self": "service_number",
    }
    rows, expected = [good(i) for i in range(ROWS)], {}
    for n, i in enumerate(BAD_INDEXES):
        kind = kinds[n % len(kinds)]
        if kind == "score":
            rows[i][4] = 140
        elif kind == "duplicate":
            rows[i] = list(rows[i - 1])
        elif kind == "formula":
            rows[i][2] = "=2+3"
        elif kind == "session":
            rows[i][0] = "NO-SUCH-SESSION"
        else:
            rows[i][1] = trainer.service_number
        expected[i + 2] = expected_columns[kind]

    before = Participation.objects.count()  # the trainer's own ToT
    headers = [c.arabic for c in PARTICIPATIONS]  # Arabic headers this time
    bad_file = write(tmp_path / "results.csv", files.write_csv(headers, rows).encode("utf-8"))
    outcome = records_import(kind="participations", dataset=read(bad_file), dry_run=False)

    errors = {row.line: row for row in outcome.error_rows()}
    arabic = {c.name: c.arabic for c in PARTICIPATIONS}
    assert {line: row.column for line, row in errors.items()} == {
        line: arabic[column] for line, column in expected.items()
    }
    assert "140" in errors[BAD_INDEXES[0] + 2].reason
    assert "=2+3" in errors[BAD_INDEXES[2] + 2].reason
    assert "trains themselves" in errors[BAD_INDEXES[4] + 2].reason
    assert Participation.objects.count() == before

    corrected = write(tmp_path / "corrected.csv", files.write_csv(headers, [good(i) for i in range(ROWS)]).encode())
    stored = records_import(kind="participations", dataset=read(corrected), dry_run=False)
    assert stored.counts == {"new": ROWS, "updated": 0, "unchanged": 0, "error": 0}
    assert Participation.objects.count() == before + ROWS
    assert stale_tables() == []  # the lineage index and its stored counts know every new participant

    again = records_import(kind="participations", dataset=read(corrected), dry_run=False)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": ROWS, "error": 0}
