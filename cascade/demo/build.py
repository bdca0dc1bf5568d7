"""The demo cascade: the programme's real figures, as distinct people, built by construction.

At scale 1 (seed 004, 2020 – July 2024):
- ``MASTER_TRAINERS`` master trainers (generation 0) lead every ToT session and every direct session;
- exactly ``TOT_TRAINERS`` people complete a ToT session led by a master trainer and are qualified
  for its course (generation 1); ``TOT_DROPOUTS`` more leave such a session incomplete or withdrawn
  and are not qualified;
- exactly ``CASCADE_PEOPLE`` people take part in cascade sessions. Most are trained by generation-1
  trainers (generation 2); ``SECOND_GEN_TRAINERS`` of them later complete a ToT led by generation-1
  trainers and train ``THIRD_GENERATION`` new people (generation 3), who count among the cascade
  people. So everyone the generation-1 trainers reached, directly or through the trainers they
  trained, is exactly the cascade people;
- exactly ``DIRECT_PEOPLE`` people (``DIRECT_WOMEN`` women), disjoint from everyone above, take
  part in direct sessions;
- ``HEADCOUNT_SESSIONS`` cascade sessions were reported as headcounts, with at most a few names of
  people already counted, so they change no figure.
Every figure is multiplied by ``scale``, but the master trainers grow one team of twelve per twelve units.

The rows satisfy every rule of ``cascade.integrity`` by construction (the services are not called
per row: that would take hours at benchmark scale). Sessions are generated and written in batches,
so memory holds the people's ids and a batch of sessions, never the whole data set.
"""

import functools
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from cascade.demo.names import full_name
from cascade.demo.places import (
    COMMUNITY,
    DIRECTORATE,
    FAMILY_PROTECTION,
    JUVENILE,
    GovernoratePlaces,
    ensure_places,
)
from cascade.demo.rows import Table
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
from cascade.services import _years_after, qualification_validity_years
from courses.models import Course
from lms.models import Gender, Person, Rank, TrainingCentre
from plans.demo import demo_plan_create

# Service numbers and session references of demo rows start with this; it is also the marker
# that tells a later run the demo data is already there.
DEMO_PREFIX = "DEMO-"

MASTER_TRAINERS = 12
TOT_TRAINERS = 434
CASCADE_PEOPLE = 6207
DIRECT_PEOPLE = 2290
DIRECT_WOMEN = 120
TOT_DROPOUTS = 8
SECOND_GEN_TRAINERS = 24
THIRD_GENERATION = 360
HEADCOUNT_SESSIONS = 12

PROGRAMME_START = date(2020, 2, 2)
LAST_MASTER_TOT = date(2023, 5, 28)
SECOND_GEN_TOT = (date(2022, 2, 13), date(2023, 2, 12))
LAST_START = date(2024, 7, 10)
# Sessions that start on or after this day are still open (attendance being recorded).
OPEN_FROM = date(2024, 7, 1)

# Mean pre→post gain by generation: each level passes on less ("cascade dilution").
GAIN = {1: 25.0, 2: 18.0, 3: 12.0}
COMPLETED_SHARE, INCOMPLETE_SHARE = 0.92, 0.05  # the rest withdrew

# The four courses (positions in the catalogue) whose ToT generation-1 trainers deliver in turn.
SECOND_GEN_COURSES = (0, 1, 4, 6)
# Where generation-2 trainers come from (the academies named in UNDP's IELP ToT releases).
SECOND_GEN_GOVERNORATES = ("BG", "BA", "NI", "AN", "SD", "KI", "DI")
TOT_CENTRES = ("TC-BG-01", "TC-BA-01", "TC-NI-01", "TC-AN-01", "TC-SD-01", "TC-KI-01", "TC-DI-01")

# Where police personnel serve, and where the programme trained directly (seeds name Anbar,
# Baghdad, Basra, Diyala, Karbala, Ninewa and Salah al-Din).
# fmt: off
POLICE_WEIGHTS = {
    "BG": 22, "BA": 9, "NI": 10, "AN": 8, "SD": 5, "DI": 5, "KI": 5, "BB": 5,
    "KA": 4, "NA": 4, "WA": 4, "MA": 4, "DQ": 6, "MU": 3, "QA": 4,
}
DIRECT_WEIGHTS = {code: 1 for code in POLICE_WEIGHTS} | {
    "BG": 25, "AN": 14, "BA": 14, "NI": 14, "DI": 8, "KA": 8, "SD": 8,
}
TRAINER_RANKS = {Rank.FIRST_LIEUTENANT: 10, Rank.CAPTAIN: 25, Rank.MAJOR: 30, Rank.LIEUTENANT_COLONEL: 20,
                 Rank.COLONEL: 10, Rank.BRIGADIER: 5}
PERSONNEL_RANKS = {Rank.POLICEMAN: 16, Rank.CORPORAL: 12, Rank.SERGEANT: 12, Rank.CHIEF_SERGEANT: 10,
                   Rank.COMMISSIONER: 8, Rank.LIEUTENANT: 12, Rank.FIRST_LIEUTENANT: 10, Rank.CAPTAIN: 9,
                   Rank.MAJOR: 6, Rank.LIEUTENANT_COLONEL: 3, Rank.COLONEL: 2}
DIRECT_RANKS = {Rank.CHIEF_SERGEANT: 8, Rank.COMMISSIONER: 6, Rank.LIEUTENANT: 10, Rank.FIRST_LIEUTENANT: 14,
                Rank.CAPTAIN: 20, Rank.MAJOR: 20, Rank.LIEUTENANT_COLONEL: 14, Rank.COLONEL: 8}
# fmt: on
TRAINER_WOMEN, PERSONNEL_WOMEN = 0.06, 0.045

# How many courses one person takes, by kind of learner (weights for 1, 2, 3, … courses).
# Cascade participants take most of the eight mandatory courses: about 36,000 participations per
# unit of scale, so scale 56 gives the benchmark's 500,000 people and 2,000,000 participations.
CASCADE_COURSES = (1, 4, 8, 18, 26, 22, 14, 7)  # mean 5.2
FEW_COURSES = (45, 35, 20)  # ToT trainers, direct participants: mean 1.75
THIRD_GEN_COURSES = (30, 45, 25)

PEOPLE_BATCH = 2000
SESSION_BATCH = 500

KIND_CODES = {SessionKind.TOT: "TOT", SessionKind.CASCADE: "CAS", SessionKind.DIRECT: "DIR"}
HEADCOUNT_NOTE = "Reported by the centre as a headcount; the roster of names has not been received yet."


@dataclass
class DemoSummary:
    """What a run created (or found): counts for the command to print."""

    created: bool
    seed: int
    scale: int
    people: int = 0
    master_trainers: int = 0
    tot_trainers: int = 0
    tot_dropouts: int = 0
    cascade_people: int = 0
    second_gen_trainers: int = 0
    third_generation: int = 0
    direct_people: int = 0
    direct_women: int = 0
    sessions: Counter = field(default_factory=Counter)
    refresher_sessions: int = 0
    certificates: int = 0  # issued to the people behind the demo logins
    open_sessions: int = 0
    headcount_sessions: int = 0
    trainer_roles: int = 0
    participations: int = 0
    qualifications: int = 0
    logins: list[str] = field(default_factory=list)  # the accounts created


@dataclass
class _Group:
    """People of one kind: their ids, governorate codes and genders, by position."""

    ids: list[int] = field(default_factory=list)
    gov: list[str] = field(default_factory=list)
    female: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class _Licence:
    """A qualification as the builder plans with it."""

    person_id: int
    gov: str
    valid_from: date
    valid_until: date

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


@dataclass(slots=True)
class _Session:
    kind: str
    course: int
    gov: str
    centre_id: int
    start: date
    end: date
    trainers: list[tuple[int, str]]
    # (person id, is female, days attended, pre-test, post-test, outcome)
    participants: list[tuple[int, bool, int, Decimal | None, Decimal | None, str]]
    closed_at: datetime | None
    headcount: tuple[int, int] | None = None
    notes: str = ""


class _Licences:
    """Qualifications by course, and by course and governorate, to pick trainers from."""

    def __init__(self, courses: int) -> None:
        self.by_course: list[list[_Licence]] = [[] for _ in range(courses)]
        self.by_gov: list[dict[str, list[_Licence]]] = [{} for _ in range(courses)]

    def add(self, course: int, licence: _Licence) -> None:
        self.by_course[course].append(licence)
        self.by_gov[course].setdefault(licence.gov, []).append(licence)

    def pick(self, rng: random.Random, course: int, gov: str, *, local: float = 0.85) -> _Licence:
        nearby = self.by_gov[course].get(gov)
        return rng.choice(nearby if nearby and rng.random() < local else self.by_course[course])

    def valid_on(self, rng: random.Random, course: int, gov: str, day: date, *, exclude: int = 0) -> _Licence | None:
        """A licence for the course valid on ``day``, preferably from ``gov``; None if there is none."""
        for pool in (self.by_gov[course].get(gov, []), self.by_course[course]):
            options = [lic for lic in pool if lic.covers(day) and lic.person_id != exclude]
            if options:
                return rng.choice(options)
        return None

    def co_trainer(self, rng: random.Random, course: int, lead: _Licence, day: date) -> _Licence | None:
        """Another trainer qualified for the course on ``day``, found by a few random draws (cheap at any scale)."""
        pool = self.by_gov[course].get(lead.gov) or self.by_course[course]
        for _attempt in range(8):
            other = rng.choice(pool)
            if other.person_id != lead.person_id and other.covers(day):
                return other
        return None


def master_trainers(scale: int) -> int:
    return MASTER_TRAINERS * math.ceil(scale / 12)


def expected_people(scale: int) -> int:
    """How many demo people a build at ``scale`` creates."""
    return master_trainers(scale) + scale * (TOT_TRAINERS + TOT_DROPOUTS + CASCADE_PEOPLE + DIRECT_PEOPLE)


class Builder:
    """One build: call ``run()`` inside a transaction on a database without demo data."""

    def __init__(self, *, seed: int, scale: int) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.summary = DemoSummary(created=True, seed=seed, scale=scale)
        self.courses = list(Course.objects.order_by("sort_order", "code").values_list("id", "hours"))
        if len(self.courses) != 8:
            raise LookupError(f"Expected the eight MPS courses, found {len(self.courses)} (run migrate first).")
        self.course_days = [min(7, max(3, math.ceil(hours / 6))) for _id, hours in self.courses]
        self.places: dict[str, GovernoratePlaces] = {}
        self.tot_centres: list[tuple[int, str]] = []  # (centre id, governorate code)
        self.first_gen_ids: set[int] = set()
        self.validity_years = qualification_validity_years()
        self._service_number = 0
        self._session_number = 0
        self._pending: list[_Session] = []
        self._person_table = Table(
            Person,
            (
                "service_number",
                "name_ar",
                "name_latin",
                "name_ar_normalized",
                "gender",
                "rank",
                "governorate_id",
                "unit_id",
                "station_id",
                "is_master_trainer",
            ),
        )
        self._session_table = Table(
            TrainingSession,
            (
                "ref",
                "course_id",
                "kind",
                "training_centre_id",
                "governorate_id",
                "start_date",
                "end_date",
                "status",
                "closed_at",
                "headcount_male",
                "headcount_female",
                "notes",
            ),
        )
        self._trainer_table = Table(SessionTrainer, ("session_id", "person_id", "role"))
        self._participation_table = Table(
            Participation, ("session_id", "person_id", "days_attended", "pre_score", "post_score", "outcome")
        )
        self._qualification_table = Table(
            TrainerQualification, ("person_id", "course_id", "valid_from", "valid_until", "source_session_id")
        )

    # --- the stages, in order ------------------------------------------------------------------

    def run(self) -> DemoSummary:
        self.places = ensure_places()
        demo_plan_create(scale=self.scale)  # the national training plan the audit compares against
        centres = {
            code: (pk, gov)
            for code, pk, gov in TrainingCentre.objects.filter(code__in=TOT_CENTRES).values_list(
                "code", "id", "governorate__code"
            )
        }
        self.tot_centres = [centres[code] for code in TOT_CENTRES]
        masters = self._masters()
        first_gen = self._master_tots(masters)
        self.first_gen_ids = {lic.person_id for licences in first_gen.by_course for lic in licences}
        cascade, earliest_end = self._cascade_by_first_gen(first_gen)
        second_gen = self._second_gen_tots(first_gen, cascade, earliest_end)
        self._cascade_by_second_gen(second_gen)
        self._headcount_sessions(first_gen, cascade)
        self._direct(masters)
        self._flush()
        s = self.summary
        s.cascade_people = len(cascade) + s.third_generation
        s.people = self._service_number
        return s

    def _masters(self) -> _Group:
        # The programme's own experts grow far slower than the cascade: one team of twelve per twelve
        # units of scale (12 at scale 1, 60 at scale 56), so that at benchmark scale the largest
        # trainers head cascades of about 80,000 people, as the lineage queries' baseline assumes.
        count = master_trainers(self.scale)
        # The programme's experts: civilians, based in Baghdad, one in four a woman.
        group = self._people(("BG", i % 4 == 3, Rank.CIVILIAN, "master") for i in range(count))
        self.summary.master_trainers = count
        return group

    def _master_tots(self, masters: _Group) -> _Licences:
        """ToT sessions led by master trainers; their completers are the generation-1 trainers."""
        rng, s = self.rng, self.summary
        trainers = self._people(
            (self._pick(POLICE_WEIGHTS), rng.random() < TRAINER_WOMEN, self._pick(TRAINER_RANKS), DIRECTORATE)
            for _ in range(TOT_TRAINERS * self.scale)
        )
        dropouts = self._people(
            (self._pick(POLICE_WEIGHTS), False, self._pick(TRAINER_RANKS), DIRECTORATE)
            for _ in range(TOT_DROPOUTS * self.scale)
        )
        s.tot_trainers, s.tot_dropouts = len(trainers), len(dropouts)

        by_course: list[list[int]] = [[] for _ in self.courses]
        for i in range(len(trainers)):
            for course in rng.sample(range(len(self.courses)), self._count(FEW_COURSES)):
                by_course[course].append(i)
        licences = _Licences(len(self.courses))
        sessions: list[_Session] = []
        for course, members in enumerate(by_course):
            rng.shuffle(members)
            for chunk in self._chunks(members, 12, 20):
                session = self._session(
                    SessionKind.TOT,
                    course,
                    rng.choice(self.tot_centres),
                    _a_sunday(rng, PROGRAMME_START, LAST_MASTER_TOT),
                    self._master_team(masters, co_share=0.6),
                )
                session.participants = [
                    self._participant(session, trainers.ids[i], trainers.female[i], 1, outcome=Outcome.COMPLETED)
                    for i in chunk
                ]
                until = _years_after(session.end, self.validity_years)
                for i in chunk:
                    licences.add(course, _Licence(trainers.ids[i], trainers.gov[i], session.end, until))
                sessions.append(session)
        for i in range(len(dropouts)):
            session = rng.choice(sessions)
            outcome = Outcome.WITHDRAWN if rng.random() < 0.5 else Outcome.INCOMPLETE
            session.participants.append(self._participant(session, dropouts.ids[i], False, 1, outcome=outcome))
        for session in sessions:
            self._add(session)
        return licences

    def _cascade_by_first_gen(self, licences: _Licences) -> tuple[_Group, list[int]]:
        """Cascade sessions led by generation-1 trainers, at a centre of the participants' governorate."""
        rng = self.rng
        people = self._people(
            (self._pick(POLICE_WEIGHTS), female, self._pick(PERSONNEL_RANKS), _placement(rng, female))
            for female in (
                rng.random() < PERSONNEL_WOMEN for _ in range((CASCADE_PEOPLE - THIRD_GENERATION) * self.scale)
            )
        )
        earliest_end = [date.max.toordinal()] * len(people)
        buckets = self._buckets(people, range(len(self.courses)), CASCADE_COURSES)
        for (gov, course), members in buckets:
            for chunk in self._chunks(members, 14, 26):
                lead = licences.pick(rng, course, gov)
                start = _a_sunday(rng, lead.valid_from + timedelta(days=7), min(lead.valid_until, LAST_START))
                session = self._cascade_session(licences, course, gov, lead, start, co_share=0.8)
                session.participants = [self._participant(session, people.ids[i], people.female[i], 2) for i in chunk]
                for i in chunk:
                    earliest_end[i] = min(earliest_end[i], session.end.toordinal())
                self._add(session)
        return people, earliest_end

    def _second_gen_tots(self, first_gen: _Licences, cascade: _Group, earliest_end: list[int]) -> _Licences:
        """Some cascade participants later complete a ToT led by generation-1 trainers and qualify."""
        rng = self.rng
        cutoff = (SECOND_GEN_TOT[0] - timedelta(days=14)).toordinal()
        candidates = [
            i for i in range(len(cascade)) if cascade.gov[i] in SECOND_GEN_GOVERNORATES and earliest_end[i] <= cutoff
        ]
        chosen = rng.sample(candidates, SECOND_GEN_TRAINERS * self.scale)
        chosen_set = set(chosen)
        bystanders = [i for i in candidates if i not in chosen_set]
        self.summary.second_gen_trainers = len(chosen)

        by_course: dict[int, list[int]] = {course: [] for course in SECOND_GEN_COURSES}
        for n, i in enumerate(chosen):
            first = SECOND_GEN_COURSES[n % len(SECOND_GEN_COURSES)]
            by_course[first].append(i)
            if rng.random() < 0.3:
                by_course[rng.choice([c for c in SECOND_GEN_COURSES if c != first])].append(i)

        licences = _Licences(len(self.courses))
        for course, members in by_course.items():
            rng.shuffle(members)
            for chunk in self._chunks(members, 6, 12):
                centre = rng.choice(self.tot_centres)
                start = _a_sunday(rng, *SECOND_GEN_TOT)
                lead = first_gen.valid_on(rng, course, centre[1], start)
                if lead is None:
                    raise LookupError(f"No generation-1 trainer qualified for course #{course} on {start}.")
                co = first_gen.valid_on(rng, course, centre[1], start, exclude=lead.person_id)
                session = self._session(
                    SessionKind.TOT, course, centre, start, _team(lead, co if rng.random() < 0.7 else None)
                )
                session.participants = [
                    self._participant(session, cascade.ids[i], cascade.female[i], 2, outcome=Outcome.COMPLETED)
                    for i in chunk
                ]
                if rng.random() < 0.7:  # one who withdrew: already a cascade participant, so no figure moves
                    i = rng.choice(bystanders)
                    session.participants.append(
                        self._participant(session, cascade.ids[i], cascade.female[i], 2, outcome=Outcome.WITHDRAWN)
                    )
                until = _years_after(session.end, self.validity_years)
                for i in chunk:
                    licences.add(course, _Licence(cascade.ids[i], cascade.gov[i], session.end, until))
                self._add(session)
        return licences

    def _cascade_by_second_gen(self, licences: _Licences) -> None:
        """Generation-2 trainers train new people: generation 3, who count among the cascade people."""
        rng = self.rng
        trainer_govs = [lic.gov for course in SECOND_GEN_COURSES for lic in licences.by_course[course]]
        people = self._people(
            (gov, female, self._pick(PERSONNEL_RANKS), _placement(rng, female))
            for gov, female in (
                (rng.choice(trainer_govs), rng.random() < PERSONNEL_WOMEN) for _ in range(THIRD_GENERATION * self.scale)
            )
        )
        self.summary.third_generation = len(people)
        for (gov, course), members in self._buckets(people, SECOND_GEN_COURSES, THIRD_GEN_COURSES):
            for chunk in self._chunks(members, 12, 22):
                lead = licences.pick(rng, course, gov)
                start = _a_sunday(rng, lead.valid_from + timedelta(days=14), min(lead.valid_until, LAST_START))
                session = self._cascade_session(licences, course, gov, lead, start, co_share=0.6)
                session.participants = [self._participant(session, people.ids[i], people.female[i], 3) for i in chunk]
                self._add(session)

    def _headcount_sessions(self, licences: _Licences, cascade: _Group) -> None:
        """Cascade sessions reported as headcounts, naming at most a few people already counted."""
        rng = self.rng
        by_gov: dict[str, list[int]] = {}
        for i, gov in enumerate(cascade.gov):
            by_gov.setdefault(gov, []).append(i)
        for _ in range(HEADCOUNT_SESSIONS * self.scale):
            gov, course = self._pick(POLICE_WEIGHTS), rng.randrange(len(self.courses))
            lead = licences.pick(rng, course, gov)
            start = _a_sunday(rng, lead.valid_from + timedelta(days=7), min(lead.valid_until, OPEN_FROM))
            session = self._cascade_session(licences, course, gov, lead, start, co_share=0.5)
            named = rng.sample(by_gov[gov], rng.choice((0, 0, 0, 1, 2, 3)))
            session.participants = [self._participant(session, cascade.ids[i], cascade.female[i], 2) for i in named]
            women = sum(1 for p in session.participants if p[1])
            session.headcount = (max(rng.randint(12, 30), len(named) - women), max(rng.randint(0, 3), women))
            session.notes = HEADCOUNT_NOTE
            self.summary.headcount_sessions += 1
            self._add(session)

    def _direct(self, masters: _Group) -> None:
        """Direct sessions: master trainers train personnel themselves (outside the cascade)."""
        rng = self.rng
        count, women = DIRECT_PEOPLE * self.scale, DIRECT_WOMEN * self.scale
        female = [True] * women + [False] * (count - women)
        rng.shuffle(female)
        people = self._people(
            (self._pick(DIRECT_WEIGHTS), is_female, self._pick(DIRECT_RANKS), _placement(rng, is_female))
            for is_female in female
        )
        self.summary.direct_people, self.summary.direct_women = count, women
        for (gov, course), members in self._buckets(people, range(len(self.courses)), FEW_COURSES):
            for chunk in self._chunks(members, 15, 28):
                session = self._session(
                    SessionKind.DIRECT,
                    course,
                    (rng.choice(self.places[gov].centre_ids), gov),
                    _a_sunday(rng, PROGRAMME_START, LAST_START),
                    self._master_team(masters, co_share=0.5),
                )
                session.participants = [self._participant(session, people.ids[i], people.female[i], 1) for i in chunk]
                self._add(session)

    # --- building blocks -----------------------------------------------------------------------

    def _session(
        self, kind: str, course: int, centre: tuple[int, str], start: date, trainers: list[tuple[int, str]]
    ) -> _Session:
        """A session at ``centre`` (id, governorate code); closed a few days after its end unless recent."""
        days = self._tot_days(course) if kind == SessionKind.TOT else self.course_days[course]
        end = start + timedelta(days=days - 1)
        closed_at = None
        if start < OPEN_FROM:
            closed_at = datetime.combine(end + timedelta(days=self.rng.randint(1, 6)), time(11, 0), tzinfo=UTC)
        return _Session(kind, course, centre[1], centre[0], start, end, trainers, [], closed_at)

    def _cascade_session(
        self, licences: _Licences, course: int, gov: str, lead: _Licence, start: date, *, co_share: float
    ) -> _Session:
        rng = self.rng
        co = licences.co_trainer(rng, course, lead, start) if rng.random() < co_share else None
        centre = (rng.choice(self.places[gov].centre_ids), gov)
        return self._session(SessionKind.CASCADE, course, centre, start, _team(lead, co))

    def _master_team(self, masters: _Group, *, co_share: float) -> list[tuple[int, str]]:
        lead = self.rng.randrange(len(masters))
        team = [(masters.ids[lead], TrainerRole.LEAD)]
        if len(masters) > 1 and self.rng.random() < co_share:
            co = (lead + self.rng.randrange(1, len(masters))) % len(masters)
            team.append((masters.ids[co], TrainerRole.CO_TRAINER))
        return team

    def _buckets(
        self, people: _Group, courses: Iterable[int], weights: tuple[int, ...]
    ) -> list[tuple[tuple[str, int], list[int]]]:
        """Each person takes a few of ``courses``; people grouped by (governorate, course), shuffled."""
        courses = list(courses)
        buckets: dict[tuple[str, int], list[int]] = {}
        for i in range(len(people)):
            for course in self.rng.sample(courses, self._count(weights)):
                buckets.setdefault((people.gov[i], course), []).append(i)
        ordered = sorted(buckets.items())
        for _key, members in ordered:
            self.rng.shuffle(members)
        return ordered

    def _participant(
        self, session: _Session, person_id: int, female: bool, generation: int, *, outcome: str | None = None
    ) -> tuple[int, bool, int, Decimal | None, Decimal | None, str]:
        """Attendance, pre/post-test scores and outcome; the gain shrinks with the generation."""
        rng = self.rng
        days = (session.end - session.start).days + 1
        pre = _clamp(rng.gauss(48, 11), 8, 85)
        if session.closed_at is None:  # still running: no post-test yet
            return person_id, female, rng.randint(1, days), _score(pre), None, Outcome.INCOMPLETE
        if outcome is None:
            draw = rng.random()
            outcome = (
                Outcome.COMPLETED
                if draw < COMPLETED_SHARE
                else Outcome.INCOMPLETE
                if draw < COMPLETED_SHARE + INCOMPLETE_SHARE
                else Outcome.WITHDRAWN
            )
        gain = rng.gauss(GAIN[generation], 6)
        if outcome == Outcome.COMPLETED:
            attended = days if rng.random() < 0.85 else days - 1
            post = _score(_clamp(pre + gain, 0, 100))
        elif outcome == Outcome.INCOMPLETE:
            attended = rng.randint(max(1, days // 2), days - 1)
            post = _score(_clamp(pre + gain / 2, 0, 100)) if rng.random() < 0.5 else None
        else:
            attended = rng.randint(1, max(1, days // 3))
            post = None
        return person_id, female, attended, _score(pre), post, outcome

    def _tot_days(self, course: int) -> int:
        return min(10, self.course_days[course] + 3)

    def _pick(self, weights: dict[str, int]) -> str:
        keys, cumulative = _cumulative(weights)
        return self.rng.choices(keys, cum_weights=cumulative)[0]

    def _count(self, weights: tuple[int, ...]) -> int:
        keys, cumulative = _cumulative(weights)
        return self.rng.choices(keys, cum_weights=cumulative)[0]

    def _chunks(self, members: list[int], low: int, high: int) -> Iterator[list[int]]:
        """Consecutive groups of ``low``–``high`` members; a small remainder joins the last group."""
        i = 0
        while i < len(members):
            size = self.rng.randint(low, high)
            if len(members) - (i + size) < low // 2:
                size = len(members) - i
            yield members[i : i + size]
            i += size

    # --- writing -------------------------------------------------------------------------------

    def _people(self, specs: Iterable[tuple[str, bool, str, str]]) -> _Group:
        """Insert people from (governorate code, is female, rank, placement) in batches; keep ids only."""
        group, batch = _Group(), []
        for gov, female, rank, placement in specs:
            self._service_number += 1
            name_ar, name_latin, normalized = full_name(self.rng, female=female)
            places = self.places[gov]
            unit_id = station_id = None
            if placement == DIRECTORATE:
                unit_id = places.unit_ids[DIRECTORATE]
            elif placement == "station":
                unit_id, station_id = places.unit_ids[DIRECTORATE], self.rng.choice(places.station_ids)
            elif placement != "master":
                unit_id = places.unit_ids[placement]
            batch.append(
                (
                    f"{DEMO_PREFIX}{self._service_number:07d}",
                    name_ar,
                    name_latin,
                    normalized,
                    Gender.FEMALE if female else Gender.MALE,
                    rank,
                    places.id,
                    unit_id,
                    station_id,
                    placement == "master",
                )
            )
            group.gov.append(gov)
            group.female.append(female)
            if len(batch) >= PEOPLE_BATCH:
                group.ids.extend(self._insert_people(batch))
                batch = []
        group.ids.extend(self._insert_people(batch))
        return group

    def _insert_people(self, rows: list[tuple]) -> list[int]:
        if not rows:
            return []
        self._person_table.insert(rows)
        numbers = [row[0] for row in rows]
        ids = dict(Person.objects.filter(service_number__in=numbers).values_list("service_number", "id"))
        return [ids[number] for number in numbers]

    def _add(self, session: _Session) -> None:
        self._pending.append(session)
        if len(self._pending) >= SESSION_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        s = self.summary
        refs, rows = [], []
        for spec in self._pending:
            self._session_number += 1
            ref = f"{DEMO_PREFIX}{KIND_CODES[spec.kind]}-{spec.start.year}-{self._session_number:06d}"
            women = sum(1 for p in spec.participants if p[1])
            men, women = spec.headcount or (len(spec.participants) - women, women)
            closed = spec.closed_at is not None
            refs.append(ref)
            rows.append(
                (
                    ref,
                    self.courses[spec.course][0],
                    spec.kind,
                    spec.centre_id,
                    self.places[spec.gov].id,
                    spec.start,
                    spec.end,
                    SessionStatus.CLOSED if closed else SessionStatus.OPEN,
                    spec.closed_at,
                    men,
                    women,
                    spec.notes,
                )
            )
            s.sessions[spec.kind] += 1
            s.open_sessions += not closed
        self._session_table.insert(rows)
        ids = dict(TrainingSession.objects.filter(ref__in=refs).values_list("ref", "id"))

        trainers, participations, qualifications = [], [], []
        for ref, spec in zip(refs, self._pending, strict=True):
            session_id, course_id = ids[ref], self.courses[spec.course][0]
            trainers.extend((session_id, pid, role) for pid, role in spec.trainers)
            until = _years_after(spec.end, self.validity_years)
            for pid, _female, attended, pre, post, outcome in spec.participants:
                participations.append((session_id, pid, attended, pre, post, outcome))
                if spec.kind == SessionKind.TOT and outcome == Outcome.COMPLETED:
                    qualifications.append((pid, course_id, spec.end, until, session_id))
        s.trainer_roles += self._trainer_table.insert(trainers)
        s.participations += self._participation_table.insert(participations)
        s.qualifications += self._qualification_table.insert(qualifications)
        self._pending = []


@functools.cache
def _cumulative_of(items: tuple) -> tuple[list, list[int]]:
    return [key for key, _w in items], list(itertools.accumulate(w for _key, w in items))


def _cumulative(weights: dict[str, int] | tuple[int, ...]) -> tuple[list, list[int]]:
    """Keys and cumulative weights of a weight table (a tuple weighs 1, 2, 3, …), computed once per table."""
    items = tuple(weights.items()) if isinstance(weights, dict) else tuple(enumerate(weights, start=1))
    return _cumulative_of(items)


def _team(lead: _Licence, co: _Licence | None) -> list[tuple[int, str]]:
    team = [(lead.person_id, TrainerRole.LEAD)]
    if co is not None:
        team.append((co.person_id, TrainerRole.CO_TRAINER))
    return team


def _placement(rng: random.Random, female: bool) -> str:
    """Where a trainee serves: mostly a station; women often in family protection."""
    if female and rng.random() < 0.5:
        return FAMILY_PROTECTION
    draw = rng.random()
    return "station" if draw < 0.65 else COMMUNITY if draw < 0.8 else FAMILY_PROTECTION if draw < 0.9 else JUVENILE


def _a_sunday(rng: random.Random, low: date, high: date) -> date:
    """A day between ``low`` and ``high``, moved to a Sunday (the Iraqi working week's first day) when one fits."""
    day = date.fromordinal(rng.randint(low.toordinal(), high.toordinal()))
    after = day + timedelta(days=(6 - day.weekday()) % 7)
    if after <= high:
        return after
    before = day - timedelta(days=(day.weekday() + 1) % 7)
    return before if before >= low else day


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _score(value: float) -> Decimal:
    """Scores are marked to the half point."""
    return Decimal(round(value * 2) / 2).quantize(Decimal("0.1"))
