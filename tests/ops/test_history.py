"""History with actor and time on the form, service and bulk paths; read by auditors, written by nobody."""

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data

from cascade import services
from cascade.models import SessionKind
from lms import roles
from lms.models import Person
from ops import history
from plans.models import Target
from tests.conftest import log_in_verified
from tests.factories import PersonFactory, course, governorate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password=None)


def role_user(django_user_model, role, username=None):
    user = django_user_model.objects.create_user(username=username or role, password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_an_admin_form_edit_keeps_the_old_values_with_the_editor_and_time(client, admin_user):
    person = PersonFactory(name_ar="علي حسن", service_number="H-1")
    log_in_verified(client, admin_user)
    data = nested_form_data(
        {
            "service_number": "H-1",
            "name_ar": "علي حسين",
            "name_latin": person.name_latin,
            "gender": person.gender,
            "rank": person.rank,
            "governorate": person.governorate_id,
            "unit": "",
            "station": "",
            "user": "",
        }
    )
    response = client.post(f"/admin/people/edit/{person.pk}/", data)
    assert response.status_code == 302, response.content[:2000]

    latest = person.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.history_date is not None
    change = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in change.changes if c.field == "name_ar"] == [
        ("name_ar", "علي حسن", "علي حسين")
    ]


def test_the_session_services_keep_history(cascade):
    trainee = PersonFactory()
    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    participation = services.participation_record(session=session, person=trainee, outcome="completed")
    services.session_close(session=session)

    assert session.history.filter(history_type="+").count() == 1
    assert session.history.latest().status == "closed"
    assert participation.history.filter(history_type="+").exists()


def test_bulk_create_and_update_keep_history_with_the_given_actor(django_user_model):
    actor = django_user_model.objects.create_user(username="importer", password=None)
    people = [
        Person(service_number=f"B-{n}", name_ar=f"شخص {n}", gender="M", governorate=governorate("BA")) for n in range(3)
    ]
    created = history.bulk_create_with_history(people, user=actor, reason="roster import")
    assert (
        Person.history.filter(history_type="+", history_user=actor, history_change_reason="roster import").count() == 3
    )

    for person in created:
        person.rank = "captain"
    history.bulk_update_with_history(created, ["rank"], user=actor, reason="ranks corrected")
    changed = Person.history.filter(history_type="~", history_change_reason="ranks corrected")
    assert sorted(changed.values_list("service_number", flat=True)) == ["B-0", "B-1", "B-2"]
    assert set(changed.values_list("rank", flat=True)) == {"captain"}


def test_queryset_update_and_delete_through_the_helpers_keep_history(django_user_model):
    actor = django_user_model.objects.create_user(username="planner", password=None)
    target = Target.objects.create(
        year=2031, governorate=governorate("BA"), course=course("MPS-01"), target_participants=10
    )
    history.update_with_history(Target.objects.filter(pk=target.pk), user=actor, target_participants=25)
    assert target.history.latest().target_participants == 25
    assert target.history.latest().history_user == actor

    history.delete_with_history(Target.objects.filter(pk=target.pk), user=actor, reason="plan withdrawn")
    assert not Target.objects.filter(pk=target.pk).exists()
    deleted = Target.history.filter(id=target.pk).latest()
    assert (deleted.history_type, deleted.history_change_reason) == ("-", "plan withdrawn")


def test_untracked_models_are_written_as_usual():
    from lms.models import TrainingCentre

    centres = history.bulk_create_with_history(
        [TrainingCentre(code="X1", name_en="X", name_ar="س", governorate=governorate("BG"))]
    )
    assert centres[0].pk is not None


def test_nobody_holds_a_permission_to_change_or_delete_history():
    history_perms = Permission.objects.filter(
        content_type__app_label="ops", content_type__model__startswith="historical"
    )
    assert history_perms.exists()
    assert set(history_perms.values_list("codename", flat=True)) == {
        p.codename for p in history_perms if p.codename.startswith("view_")
    }


def test_an_auditor_reads_a_record_history_and_others_may_not(client, django_user_model, cascade):
    person = PersonFactory(service_number="AUD-1")
    person.rank = "major"
    person.save()

    log_in_verified(client, role_user(django_user_model, roles.DIRECTORATE_AUDITOR))
    page = client.get(f"/admin/record-history/lms.person/{person.pk}/")
    assert page.status_code == 200
    assert "AUD-1" in page.text
    assert "rank" in page.text
    assert client.get("/admin/record-history/", {"model": "lms.person"}).status_code == 200
    # Read-only: there is no URL that writes history.
    assert client.post(f"/admin/record-history/lms.person/{person.pk}/").status_code == 405

    client.logout()
    log_in_verified(client, role_user(django_user_model, roles.CENTRE_MANAGER))
    assert client.get(f"/admin/record-history/lms.person/{person.pk}/").status_code in (302, 403)
    assert client.get("/admin/record-history/").status_code in (302, 403)


@pytest.fixture
def acting_request(django_user_model):
    """An account acting through a request, as HistoryRequestMiddleware records it for every view."""
    from django.test import RequestFactory
    from simple_history.models import HistoricalRecords

    actor = django_user_model.objects.create_user(username="centre.clerk", password=None)
    request = RequestFactory().post("/")
    request.user = actor
    HistoricalRecords.context.request = request
    yield actor
    del HistoricalRecords.context.request


def test_co_trainers_added_in_bulk_with_a_session_keep_history_with_its_creator(cascade, django_user_model):
    from cascade.models import SessionTrainer

    creator = django_user_model.objects.create_user(username="session.creator", password=None)
    co = [cascade.qualified_trainer(), cascade.qualified_trainer()]
    before = timezone.now()
    session = services.session_create(
        ref="HIST-CO",
        course=cascade.course,
        kind=SessionKind.CASCADE,
        training_centre=cascade.centre,
        start_date=date(2022, 3, 1),
        end_date=date(2022, 3, 5),
        lead_trainer=cascade.qualified_trainer(),
        co_trainers=co,
        created_by=creator,
    )
    rows = SessionTrainer.history.filter(session_id=session.pk, person_id__in=[p.pk for p in co])
    assert sorted(rows.values_list("person_id", "history_type")) == sorted((p.pk, "+") for p in co)
    assert {row.history_user for row in rows} == {creator}
    assert all(row.history_date >= before for row in rows)


def test_qualifications_granted_in_bulk_at_a_tot_close_keep_history_with_the_acting_user(cascade, acting_request):
    from cascade.models import TrainerQualification

    trainees = [PersonFactory(), PersonFactory()]
    tot = cascade.session(kind=SessionKind.TOT, lead=cascade.master, start=date(2023, 2, 1))
    for trainee in trainees:
        services.participation_record(session=tot, person=trainee, outcome="completed")
    before = timezone.now()
    services.session_close(session=tot)

    granted = TrainerQualification.objects.filter(source_session=tot)
    assert granted.count() == 2
    rows = TrainerQualification.history.filter(source_session_id=tot.pk, history_type="+")
    assert sorted(rows.values_list("id", flat=True)) == sorted(granted.values_list("pk", flat=True))
    assert {row.history_user for row in rows} == {acting_request}
    assert all(row.history_date >= before for row in rows)


def test_trainee_accounts_linked_and_unlinked_in_bulk_keep_the_people_s_history(django_user_model):
    from lms.accounts import ACCOUNT_CREATED, ACCOUNT_DELETED, trainee_accounts_create, trainee_accounts_delete

    actor = django_user_model.objects.create_user(username="accounts.admin", password=None)
    people = [PersonFactory(name_ar="حسن علي"), PersonFactory()]
    chosen = Person.objects.filter(pk__in=[p.pk for p in people])
    before = timezone.now()
    trainee_accounts_create(people=chosen, actor=actor)

    for person in people:
        person.refresh_from_db()
        latest = person.history.latest()
        assert (latest.history_type, latest.history_change_reason) == ("~", ACCOUNT_CREATED)
        assert (latest.history_user, latest.user_id) == (actor, person.user_id)
        assert latest.history_date >= before
        # The historical row is the whole record, not just the changed column.
        assert (latest.name_ar, latest.service_number) == (person.name_ar, person.service_number)

    trainee_accounts_delete(people=chosen, actor=actor)
    for person in people:
        latest = person.history.latest()
        assert (latest.history_change_reason, latest.history_user, latest.user_id) == (ACCOUNT_DELETED, actor, None)
