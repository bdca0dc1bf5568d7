"""Edits in the admin and the people import that change what the figures count — a qualification, a
person's gender or posting — reach the dashboard's facts, and a qualification a cascade session rests
on is not taken away."""

from datetime import date

import pytest
from django.utils import translation
from wagtail.test.utils.form_data import nested_form_data

from audit.models import ParticipationFact
from audit.services import sessions_facts_refresh
from cascade import integrity, services
from cascade.models import SessionKind, TrainerQualification
from imports.columns import PEOPLE
from imports.services import records_import
from lms.models import Gender
from tests.cascade.test_admin import admin_client, page_text  # noqa: F401 — the fixture
from tests.factories import PersonFactory, PoliceUnitFactory, governorate
from tests.imports.helpers import dataset

pytestmark = pytest.mark.django_db


def counted(session, person) -> ParticipationFact:
    return ParticipationFact.objects.get(session_id=session.pk, person_id=person.pk)


def qualification_form(qualification, **changes) -> dict:
    fields = {
        "person": qualification.person_id,
        "course": qualification.course_id,
        "valid_from": qualification.valid_from.isoformat(),
        "valid_until": qualification.valid_until.isoformat() if qualification.valid_until else "",
        "source_session": qualification.source_session_id or "",
    }
    return nested_form_data({**fields, **changes})


def not_qualified(session, trainer) -> str:
    with translation.override("ar"):
        return str(integrity.TRAINER_NOT_QUALIFIED).format(
            session=session.ref,
            person=integrity._labels([trainer.pk])[trainer.pk],
            course=session.course.code,
            day=session.start_date,
        )


def test_a_qualification_deleted_in_the_admin_is_counted_no_more(
    admin_client,  # noqa: F811
    cascade,
    django_capture_on_commit_callbacks,
):
    trainer = cascade.qualified_trainer()
    qualification = trainer.qualifications.get()
    tot = qualification.source_session
    sessions_facts_refresh(session_ids=[tot.pk])
    assert counted(tot, trainer).qualified

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/qualifications/delete/{qualification.pk}/")
    assert response.status_code == 302
    assert not TrainerQualification.objects.filter(pk=qualification.pk).exists()
    assert not counted(tot, trainer).qualified


def test_a_qualification_a_cascade_session_rests_on_is_not_deleted_and_the_page_says_why(
    admin_client,  # noqa: F811
    cascade,
):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    qualification = trainer.qualifications.get()
    response = admin_client.post(f"/admin/qualifications/delete/{qualification.pk}/", follow=True)
    assert response.status_code == 200
    assert TrainerQualification.objects.filter(pk=qualification.pk).exists()
    assert not_qualified(session, trainer) in page_text(response)


def test_a_qualification_cut_short_of_a_session_it_covers_is_refused_and_one_that_still_covers_is_saved(
    admin_client,  # noqa: F811
    cascade,
    django_capture_on_commit_callbacks,
):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2022, 1, 10))
    qualification = trainer.qualifications.get()
    until = qualification.valid_until
    url = f"/admin/qualifications/edit/{qualification.pk}/"

    response = admin_client.post(url, qualification_form(qualification, valid_until="2021-12-31"))
    assert response.status_code == 200
    assert not_qualified(session, trainer) in page_text(response)
    qualification.refresh_from_db()
    assert qualification.valid_until == until

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, qualification_form(qualification, valid_until="2022-01-10"))
    assert response.status_code == 302, page_text(response)
    qualification.refresh_from_db()
    assert qualification.valid_until == date(2022, 1, 10)


def test_the_writer_refuses_to_delete_a_qualification_a_session_rests_on(cascade):
    trainer = cascade.qualified_trainer()
    cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    qualification = trainer.qualifications.get()
    with pytest.raises(integrity.RulesBroken) as refused:
        services.qualifications_delete(qualification_ids=[qualification.pk])
    assert [breach.code for breach in refused.value.breaches] == [integrity.RULE_NOT_QUALIFIED]
    assert TrainerQualification.objects.filter(pk=qualification.pk).exists()


def trained(cascade, **person):
    trainer = cascade.qualified_trainer()
    session = cascade.session(kind=SessionKind.CASCADE, lead=trainer)
    trainee = PersonFactory(**person)
    services.participation_record(session=session, person=trainee)
    sessions_facts_refresh(session_ids=[session.pk])
    return session, trainee


def test_a_person_whose_gender_changes_in_the_admin_is_counted_by_it(
    admin_client,  # noqa: F811
    cascade,
    django_capture_on_commit_callbacks,
):
    session, trainee = trained(cascade, gender=Gender.MALE)
    assert counted(session, trainee).gender == Gender.MALE
    data = nested_form_data(
        {
            "service_number": trainee.service_number,
            "name_ar": trainee.name_ar,
            "name_latin": trainee.name_latin,
            "gender": Gender.FEMALE,
            "rank": trainee.rank,
            "governorate": trainee.governorate_id,
            "unit": "",
            "station": "",
            "user": "",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/people/edit/{trainee.pk}/", data)
    assert response.status_code == 302, page_text(response)
    assert counted(session, trainee).gender == Gender.FEMALE


def test_the_people_of_a_unit_moved_to_another_governorate_in_the_admin_serve_there(
    admin_client,  # noqa: F811
    cascade,
    django_capture_on_commit_callbacks,
):
    unit = PoliceUnitFactory(governorate=governorate("BG"))
    session, trainee = trained(cascade, unit=unit, governorate=unit.governorate)
    assert counted(session, trainee).serves_in_id == governorate("BG").pk
    data = nested_form_data({"name_ar": unit.name_ar, "name_en": unit.name_en, "governorate": governorate("BA").pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/units/edit/{unit.pk}/", data)
    assert response.status_code == 302, page_text(response)
    assert counted(session, trainee).serves_in_id == governorate("BA").pk


def test_a_person_whose_gender_and_governorate_change_by_import_is_counted_by_them(
    cascade, django_capture_on_commit_callbacks
):
    session, trainee = trained(cascade, gender=Gender.FEMALE)
    row = [trainee.service_number, trainee.name_ar, trainee.name_latin, "M", trainee.rank or "", "", "", "Basra"]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = records_import(kind="people", dataset=dataset([c.name for c in PEOPLE], [row]), dry_run=False)
    assert outcome.counts["updated"] == 1, outcome.counts
    fact = counted(session, trainee)
    assert fact.gender == Gender.MALE
    trainee.refresh_from_db()
    assert fact.serves_in_id == trainee.governorate_id
    assert trainee.governorate.code == "BA"


def test_two_qualifications_that_each_cover_a_session_may_not_both_go_at_once(cascade):
    trainer = cascade.qualified_trainer()
    cascade.session(kind=SessionKind.CASCADE, lead=trainer, start=date(2022, 1, 10))
    granted = trainer.qualifications.get()
    second = TrainerQualification.objects.create(
        person=trainer, course=granted.course, valid_from=date(2021, 6, 1), valid_until=None
    )
    with pytest.raises(integrity.RulesBroken):
        services.qualifications_delete(qualification_ids=[granted.pk, second.pk])
    assert TrainerQualification.objects.filter(person=trainer).count() == 2
    assert services.qualifications_delete(qualification_ids=[second.pk]) == 1
