"""Embedded default (tasks run eagerly): what an import stores is on the dashboard the moment the
import reports "Stored" — the commit sends ``sessions_changed`` and the audit refreshes those
sessions' facts before the command returns."""

import io

import pytest
from django.core.management import call_command

from audit.models import ParticipationFact
from audit.selectors import AuditScope, dashboard_figures
from cascade.models import Participation, SessionGeneration, TrainingSession
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _run(kind: str, path, capture) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("import_records", kind, str(path), "--language", "en", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_imported_session_and_its_participants_are_on_the_dashboard_when_the_import_says_stored(
    cascade, tmp_path, settings, django_capture_on_commit_callbacks
):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    trainer = cascade.qualified_trainer()
    people = [PersonFactory(gender="F"), PersonFactory(gender="M"), PersonFactory(gender="F")]
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "session_ref,course_code,kind,training_centre,start_date,end_date,lead_trainer_service_number\n"
        f"CSV-001,{cascade.course.code},cascade,{cascade.centre.code},2023-03-05,2023-03-09,{trainer.service_number}\n"
    )
    assert "Stored" in _run("sessions", sessions, django_capture_on_commit_callbacks)
    session = TrainingSession.objects.get(ref="CSV-001")
    assert SessionGeneration.objects.get(session=session).generation == 2

    participations = tmp_path / "participations.csv"
    participations.write_text(
        "session_ref,service_number,days_attended,pre_score,post_score,outcome\n"
        + "".join(f"CSV-001,{p.service_number},4,40,{70 + n},completed\n" for n, p in enumerate(people))
    )
    assert "Stored" in _run("participations", participations, django_capture_on_commit_callbacks)

    assert Participation.objects.filter(session=session).count() == 3
    facts = ParticipationFact.objects.filter(session_id=session.pk)
    assert sorted(facts.values_list("person_id", "generation")) == sorted((p.pk, 2) for p in people)
    figures = dashboard_figures(AuditScope(everything=True), ParticipationFact.objects.all(), {})
    assert figures["programme"]["cascade_people"] == 3
    assert figures["generations"][-1]["key"] == 2 and figures["generations"][-1]["people"] == 3
    session.refresh_from_db()
    assert (session.headcount_male, session.headcount_female) == (1, 2)  # the top-up met the named


def test_a_session_imported_again_with_another_lead_moves_its_participants_lineage(
    cascade, tmp_path, django_capture_on_commit_callbacks
):
    from cascade import lineage, lineage_upkeep

    first, second = cascade.qualified_trainer(), cascade.qualified_trainer()
    trainee = PersonFactory()

    def session_led_by(trainer) -> str:
        path = tmp_path / "sessions.csv"
        path.write_text(
            "session_ref,course_code,kind,training_centre,start_date,end_date,lead_trainer_service_number,"
            "headcount_male,headcount_female\n"
            f"CSV-002,{cascade.course.code},cascade,{cascade.centre.code},2023-03-05,2023-03-09,"
            f"{trainer.service_number},5,5\n"
        )
        return _run("sessions", path, django_capture_on_commit_callbacks)

    assert "Stored" in session_led_by(first)
    participations = tmp_path / "participations.csv"
    participations.write_text(
        f"session_ref,service_number,days_attended,pre_score,post_score,outcome\nCSV-002,{trainee.service_number},4,40,70,completed\n"
    )
    assert "Stored" in _run("participations", participations, django_capture_on_commit_callbacks)
    assert trainee.pk in lineage.descendant_ids([first.pk])

    assert "Stored" in session_led_by(second)
    assert trainee.pk not in lineage.descendant_ids([first.pk])
    assert trainee.pk in lineage.descendant_ids([second.pk])
    assert lineage_upkeep.stale_tables() == []
