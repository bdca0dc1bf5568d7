"""The demo data: the programme's real figures as distinct people, and every cascade rule kept.

The data is built once for the module (a few seconds at scale 1) and removed afterwards. Each
figure is counted here with its own query, not with the builder's counters.
"""

from datetime import date, timedelta
from io import StringIO
from statistics import mean

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cascade import integrity, lineage, lineage_upkeep, reach
from cascade.demo import DEMO_PASSWORD, DEMO_PREFIX, demo_data_build, demo_data_reset, demo_logins
from cascade.integrity import SessionDraft
from cascade.models import (
    Outcome,
    Participation,
    SessionKind,
    SessionStatus,
    SessionTrainer,
    TrainerQualification,
    TrainerRole,
    TrainingSession,
)
from cascade.services import session_draft
from lms import roles
from lms.models import Gender, Person, Station, TrainingCentre

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # pytest-django only creates test databases when a collected test is marked django_db; make
    # sure this fixture, which deletes and writes rows, never touches a development database.
    name = str(connection.settings_dict["NAME"])
    assert "test" in name or "memory" in name, f"not a test database: {name}"
    with django_db_blocker.unblock():
        demo_data_reset()  # a reused test database may still hold an earlier build
        summary = demo_data_build(seed=1, scale=1)
    yield summary
    with django_db_blocker.unblock():
        demo_data_reset()


def _people(participations) -> set[int]:
    return set(participations.values_list("person_id", flat=True).distinct())


def first_generation() -> set[int]:
    """People qualified through a ToT session whose lead trainer is a master trainer."""
    led_by_masters = SessionTrainer.objects.filter(
        session_id=OuterRef("source_session_id"), role=TrainerRole.LEAD, person__is_master_trainer=True
    )
    return set(
        TrainerQualification.objects.filter(source_session__kind=SessionKind.TOT)
        .filter(Exists(led_by_masters))
        .values_list("person_id", flat=True)
        .distinct()
    )


def cascade_people() -> set[int]:
    return _people(Participation.objects.filter(session__kind=SessionKind.CASCADE))


def direct_people() -> set[int]:
    return _people(Participation.objects.filter(session__kind=SessionKind.DIRECT))


def test_it_qualifies_434_people_through_tot_sessions_led_by_master_trainers(demo):
    assert len(first_generation()) == 434


def test_tot_participants_who_did_not_complete_are_not_qualified(demo):
    dropouts = Participation.objects.filter(session__kind=SessionKind.TOT).exclude(outcome=Outcome.COMPLETED)
    assert dropouts.exists()
    assert not TrainerQualification.objects.filter(
        Exists(dropouts.filter(session_id=OuterRef("source_session_id"), person_id=OuterRef("person_id")))
    ).exists()
    completed = Participation.objects.filter(
        session_id=OuterRef("source_session_id"), person_id=OuterRef("person_id"), outcome=Outcome.COMPLETED
    )
    assert not TrainerQualification.objects.exclude(Exists(completed)).exists()


def test_cascade_sessions_reach_6207_distinct_people(demo):
    assert Participation.objects.filter(session__kind=SessionKind.CASCADE).values("person").distinct().count() == 6207


def test_direct_sessions_reach_2290_people_of_whom_120_women(demo):
    direct = Participation.objects.filter(session__kind=SessionKind.DIRECT)
    assert direct.values("person").distinct().count() == 2290
    assert direct.filter(person__gender=Gender.FEMALE).values("person").distinct().count() == 120


def test_direct_participants_are_neither_trainers_nor_cascade_participants(demo):
    direct = direct_people()
    trainers = set(SessionTrainer.objects.values_list("person_id", flat=True))
    assert not direct & trainers
    assert not direct & cascade_people()
    assert not direct & first_generation()


def test_the_first_generation_reaches_exactly_the_cascade_participants(demo):
    first = first_generation()
    assert lineage.descendant_ids(first) == cascade_people()
    assert len(lineage.descendant_ids(first)) == 6207
    assert not first & cascade_people()


def test_generations_run_from_master_trainers_to_a_third_generation(demo):
    generations = lineage.person_generations()
    masters = set(Person.objects.filter(is_master_trainer=True).values_list("id", flat=True))
    assert 10 <= len(masters) <= 15
    assert {generations[pk] for pk in masters} == {0}
    assert {generations[pk] for pk in first_generation()} == {1}
    cascade_generations = [generations[pk] for pk in cascade_people()]
    assert set(cascade_generations) == {2, 3}
    assert 0 < cascade_generations.count(3) < cascade_generations.count(2) / 5
    assert {generations[pk] for pk in direct_people()} == {1}


def test_third_generation_trainers_came_through_the_cascade_and_a_tot_led_by_the_first_generation(demo):
    first = first_generation()
    tot_by_first = TrainingSession.objects.filter(
        kind=SessionKind.TOT, trainers__role=TrainerRole.LEAD, trainers__person__in=first
    )
    second = set(
        TrainerQualification.objects.filter(source_session__in=tot_by_first).values_list("person_id", flat=True)
    )
    assert second
    assert second <= cascade_people()
    for person_id in second:
        tot_start = (
            Participation.objects.filter(person_id=person_id, session__in=tot_by_first)
            .order_by("session__start_date")
            .values_list("session__start_date", flat=True)
            .first()
        )
        first_cascade = (
            Participation.objects.filter(person_id=person_id, session__kind=SessionKind.CASCADE)
            .order_by("session__end_date")
            .values_list("session__end_date", flat=True)
            .first()
        )
        assert first_cascade < tot_start
    led_by_second = Participation.objects.filter(
        session__kind=SessionKind.CASCADE, session__trainers__person__in=second
    )
    assert led_by_second.exists()
    assert not _people(led_by_second) & _people(
        Participation.objects.filter(session__kind=SessionKind.CASCADE, session__trainers__person__in=first)
    )


def test_learning_gains_shrink_with_each_generation(demo):
    by_participation = lineage.participation_generations()
    gains: dict[int, list[float]] = {1: [], 2: [], 3: []}
    completed = Participation.objects.filter(outcome=Outcome.COMPLETED, post_score__isnull=False)
    for pk, pre, post in completed.values_list("id", "pre_score", "post_score"):
        gains[by_participation[pk]].append(float(post - pre))
    average = {generation: mean(values) for generation, values in gains.items()}
    assert 22 <= average[1] <= 28
    assert 15 <= average[2] <= 21
    assert 9 <= average[3] <= 15


def test_every_cascade_trainer_holds_a_qualification_for_the_course_on_the_start_date(demo):
    valid = TrainerQualification.objects.filter(
        person_id=OuterRef("person_id"),
        course_id=OuterRef("session__course_id"),
        valid_from__lte=OuterRef("session__start_date"),
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef("session__start_date")))
    cascade_trainers = SessionTrainer.objects.filter(session__kind=SessionKind.CASCADE)
    assert cascade_trainers.count() > 1000
    assert not cascade_trainers.exclude(Exists(valid)).exists()
    # A lead on every session; most cascade sessions also have a co-trainer.
    assert not TrainingSession.objects.exclude(trainers__role=TrainerRole.LEAD).exists()
    with_co = TrainingSession.objects.cascade().filter(trainers__role=TrainerRole.CO_TRAINER).count()
    assert with_co > TrainingSession.objects.cascade().count() / 2


def test_nobody_is_trainer_and_participant_of_the_same_session(demo):
    assert not Participation.objects.filter(
        Exists(SessionTrainer.objects.filter(session_id=OuterRef("session_id"), person_id=OuterRef("person_id")))
    ).exists()


def test_sampled_sessions_pass_every_integrity_rule(demo):
    refs = list(TrainingSession.objects.order_by("ref").values_list("ref", flat=True))
    sample = set(refs[::40]) | set(
        TrainingSession.objects.filter(kind=SessionKind.TOT)
        .exclude(trainers__person__is_master_trainer=True)
        .values_list("ref", flat=True)
    )
    for session in TrainingSession.objects.filter(ref__in=sample):
        assert integrity.check_session(session_draft(session)) == [], session.ref
    assert integrity.audit_stored() == []


def test_there_are_six_model_police_stations_in_anbar_ninewa_basra_and_baghdad(demo):
    stations = Station.objects.filter(is_model_police_station=True)
    assert stations.count() == 6
    assert set(stations.values_list("governorate__code", flat=True)) == {"AN", "NI", "BA", "BG"}


def test_places_agree_with_governorates(demo):
    centres = TrainingCentre.objects.all()
    assert 18 <= centres.count() <= 22
    assert not centres.filter(governorate__is_kurdistan_region=True).exists()
    assert centres.filter(governorate__code="BG").count() == 3
    assert not Station.objects.exclude(unit__governorate=F("governorate")).exists()
    people = Person.objects.all()
    assert not people.exclude(unit=None).exclude(unit__governorate=F("governorate")).exists()
    assert not people.exclude(station=None).exclude(station__governorate=F("governorate")).exists()
    assert not TrainingSession.objects.exclude(training_centre__governorate=F("governorate")).exists()


def test_people_have_unique_demo_service_numbers_and_arabic_names_with_transliterations(demo):
    people = Person.objects.all()
    assert people.exclude(service_number__startswith=DEMO_PREFIX).count() == 0
    assert people.values("service_number").distinct().count() == people.count()
    assert not people.filter(Q(name_latin="") | Q(name_ar_normalized="") | Q(rank="")).exists()
    sample = people.order_by("service_number")[500]
    assert len(sample.name_ar.split()) >= 3
    assert len(sample.name_latin.split()) == len(sample.name_ar.split()) - sample.name_ar.count("عبد ")


def test_sessions_run_2020_to_mid_2024_for_3_to_10_days_and_are_closed_but_a_few_recent_ones(demo):
    sessions = list(
        TrainingSession.objects.exclude(ref__contains="REFRESHER").values_list(
            "start_date", "end_date", "status", "closed_at"
        )
    )
    assert min(start for start, *_ in sessions) >= date(2020, 1, 1)
    assert max(start for start, *_ in sessions) <= date(2024, 7, 31)
    assert {(end - start).days + 1 for start, end, *_ in sessions} <= set(range(3, 11))
    still_open = [start for start, _end, status, _closed in sessions if status == SessionStatus.OPEN]
    assert 0 < len(still_open) < len(sessions) / 20
    assert min(still_open) >= date(2024, 6, 1)
    assert all(closed for _s, _e, status, closed in sessions if status == SessionStatus.CLOSED)


def test_qualifications_start_at_the_tot_end_date_and_last_three_years(demo):
    for valid_from, valid_until, tot_end in TrainerQualification.objects.values_list(
        "valid_from", "valid_until", "source_session__end_date"
    ):
        assert valid_from == tot_end
        assert valid_until.year == valid_from.year + 3


def test_a_recent_refresher_tot_lets_the_demo_trainers_open_a_cascade_session_today(demo):
    today = timezone.localdate()
    refreshers = TrainingSession.objects.filter(ref__contains="REFRESHER")
    assert demo.refresher_sessions == refreshers.count() > 0
    for session in refreshers:
        assert session.kind == SessionKind.TOT and session.status == SessionStatus.CLOSED
        assert session.trainers.get(role=TrainerRole.LEAD).person.is_master_trainer
        assert today - timedelta(weeks=8) < session.start_date < today
    for username in ("trainer.a", "trainer.b"):
        trainer = Person.objects.get(user__username=username)
        course_id = (
            SessionTrainer.objects.filter(person=trainer, session__kind=SessionKind.CASCADE)
            .values_list("session__course_id", flat=True)
            .first()
        )
        draft = SessionDraft(
            ref=f"check-{username}",
            kind=SessionKind.CASCADE,
            course_id=course_id,
            start_date=today,
            end_date=today + timedelta(days=2),
            trainer_ids=(trainer.pk,),
        )
        assert integrity.check_session(draft) == [], username


def test_headcount_only_sessions_name_nobody_new(demo):
    headcount_only = TrainingSession.objects.cascade().exclude(notes="")
    assert headcount_only.exists()
    for session in headcount_only:
        assert session.headcount_reported > session.participations.count()
    named_there = _people(Participation.objects.filter(session__in=headcount_only))
    named_elsewhere = _people(
        Participation.objects.filter(session__kind=SessionKind.CASCADE).exclude(session__in=headcount_only)
    )
    assert named_there <= named_elsewhere


def test_there_is_one_demo_login_per_role_with_its_scope(demo):
    User = get_user_model()
    logins = demo_logins()
    assert {login.role for login in logins} == set(roles.ROLES)
    for login in logins:
        user = User.objects.get(username=login.username)
        assert list(user.groups.values_list("name", flat=True)) == [login.role]
        assert user.is_staff == (login.role in roles.STAFF_ROLES)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="manager.baghdad").staff_scope.training_centre.code == "TC-BG-01"
    assert User.objects.get(username="officer.ninewa").staff_scope.governorate.code == "NI"
    assert User.objects.get(username="trainee").check_password(DEMO_PASSWORD)

    trainer_a = Person.objects.get(user__username="trainer.a")
    assert trainer_a.pk in first_generation()
    assert SessionTrainer.objects.filter(
        person=trainer_a, role=TrainerRole.LEAD, session__training_centre__code="TC-BG-01"
    ).exists()
    assert Person.objects.get(user__username="trainer.b").pk in first_generation()
    trainee = Person.objects.get(user__username="trainee")
    assert Participation.objects.filter(person=trainee, session__trainers__person=trainer_a).exists()


def test_running_it_again_changes_nothing(demo):
    def counts():
        return [
            model.objects.count()
            for model in (
                Person,
                TrainingSession,
                SessionTrainer,
                Participation,
                TrainerQualification,
                get_user_model(),
            )
        ]

    before = counts()
    assert demo_data_build(seed=1, scale=1).created is False
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "already present" in out.getvalue()
    assert counts() == before


def test_the_command_prints_the_demo_logins(demo):
    out = StringIO()
    call_command("demo_data", "--print-logins", stdout=out)
    assert all(login.username in out.getvalue() for login in demo_logins())
    assert DEMO_PASSWORD in out.getvalue()


def _snapshot():
    return (
        list(Person.objects.order_by("service_number").values_list("service_number", "name_ar", "name_latin", "rank")),
        list(
            TrainingSession.objects.order_by("ref").values_list(
                "ref", "course__code", "start_date", "training_centre__code"
            )
        ),
        sorted(
            Participation.objects.values_list(
                "session__ref", "person__service_number", "pre_score", "post_score", "outcome"
            )
        ),
    )


def test_the_same_seed_builds_the_same_data(demo):
    before = _snapshot()
    assert demo_data_build(seed=1, scale=1, reset=True).created  # rolled back with the test
    assert _snapshot() == before


def test_another_seed_builds_other_people(demo):
    numbers, names = zip(
        *Person.objects.order_by("service_number").values_list("service_number", "name_ar"), strict=True
    )
    demo_data_build(seed=2, scale=1, reset=True)
    other_numbers, other_names = zip(
        *Person.objects.order_by("service_number").values_list("service_number", "name_ar"), strict=True
    )
    assert len(other_numbers) == len(numbers)
    assert other_names != names


def test_the_lineage_index_is_built_with_the_demo_data(demo):
    assert lineage_upkeep.links_are_current()


def test_the_reach_of_all_434_first_generation_trainers_is_the_6207_cascade_participants(demo):
    first = first_generation()
    assert len(first) == 434
    together = reach.reach_of(first, detail=False)
    assert together.total == 6207
    assert lineage.descendant_ids(first) == cascade_people()
    # Generation 2 directly, and generation 3 through the trainers they trained.
    levels = {level.depth: level.people for level in together.by_level}
    assert set(levels) == {1, 2} and levels[2] == 360


def test_a_cascade_participants_lineage_page_shows_their_trainer_and_that_trainers_tot_trainer(demo, client):
    from django.urls import reverse

    from tests.conftest import log_in_verified

    log_in_verified(client, get_user_model().objects.get(username="auditor"))
    sample = sorted(cascade_people())[::700]
    for person_id in sample:
        response = client.get(reverse("cascade:person_lineage", args=[person_id]))
        assert response.status_code == 200
        chain = response.context["chain"]  # levels from generation 0 down to the participant's trainers
        html = response.content.decode()
        trainers = [entry.person for entry in chain[-1].entries]
        assert trainers, person_id
        trained_in_tot = {
            trained.pk
            for level in chain
            for entry in level.entries
            for session in entry.sessions
            if session.edge.kind == SessionKind.TOT
            for trained in session.trained
        }
        for trainer in trainers:
            assert trainer.service_number in html
            assert trainer.pk in trained_in_tot, (person_id, trainer.pk)  # their ToT trainer is drawn above
        assert {entry.generation for entry in chain[0].entries} == {0}  # up to the master trainers
        for entry in chain[0].entries:
            assert entry.person.service_number in html
        assert response.context["generation"] in {2, 3}


def test_the_demo_logins_hold_the_certificates_of_their_completed_sessions_and_nobody_else_does(demo):
    """A fresh demo shows certificates: the trainee's cascade sessions and the trainers' own ToT. Only
    theirs are issued (the Directorate's batches issue the rest), so the build stays quick."""
    from certificates.models import Certificate, CertificateKind

    for username in ("trainee", "trainer.a", "trainer.b"):
        person = Person.objects.get(user__username=username)
        earned = Participation.objects.filter(
            person=person, outcome=Outcome.COMPLETED, session__status=SessionStatus.CLOSED
        )
        assert earned.exists(), username
        assert set(Certificate.objects.filter(person=person).values_list("session_id", flat=True)) == set(
            earned.values_list("session_id", flat=True)
        ), username
    trainer_a = Person.objects.get(user__username="trainer.a")
    assert Certificate.objects.filter(person=trainer_a, kind=CertificateKind.TRAINER).exists()
    assert Certificate.objects.count() == demo.certificates
    assert Certificate.objects.exclude(person__user__username__in=["trainee", "trainer.a", "trainer.b"]).count() == 0


def test_the_trainees_home_lists_their_face_to_face_sessions_with_certificate_and_verify_links(demo, client):
    from certificates.codes import code_display
    from certificates.models import Certificate

    trainee = Person.objects.get(user__username="trainee")
    client.force_login(trainee.user)
    arabic = client.get(reverse("lms:my_learning")).content.decode()
    completed = Participation.objects.filter(person=trainee, outcome=Outcome.COMPLETED).select_related(
        "session__course", "session__training_centre"
    )
    assert "التدريب الحضوري" in arabic
    assert "لست مسجَّلًا في أي مقرر بعد" not in arabic
    for participation in completed:
        assert f'data-session="{participation.session_id}"' in arabic
        assert participation.session.training_centre.name_ar in arabic
        assert participation.session.course.title_ar in arabic
    for certificate in Certificate.objects.filter(person=trainee):
        assert reverse("certificates:pdf", args=[certificate.serial]) in arabic
        assert reverse("certificates:verify_code", args=[code_display(certificate.code)]) in arabic
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("lms:my_learning")).content.decode()
    assert "Face-to-face training" in english and "Training centre" in english and "Post-test" in english
    assert "You are not enrolled in any online course yet." in english
    a_pdf = client.get(reverse("certificates:pdf", args=[Certificate.objects.filter(person=trainee)[0].serial]))
    assert a_pdf.status_code == 200 and a_pdf["Content-Type"] == "application/pdf"  # drawn on first download
