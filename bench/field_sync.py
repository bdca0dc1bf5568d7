"""The offline field kit's sync at national scale, beside the same changes made online one at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy of the --scale 56 demo data> \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379 .venv/bin/python bench/field_sync.py --repeat 3

On a copy of the national-scale data (500,644 people, 2,014,515 participations; its lineage index
and stored counts built), each round:

1. opens two cascade sessions of five days that ended yesterday, at one training centre, led by
   a trainer with a valid qualification, each with the same 40 people of the centre's governorate
   on its roster (``cascade.services``: ``session_create``, ``roster_record``);
2. **sync**: the 280 changes a phone would queue for session A (200 attendance marks, 40 people ×
   5 days, and 80 scores, pre and post for each) sent as ONE batch to ``POST /api/v1/sync/``, as
   the offline workspace sends it (session cookie, CSRF token); then the same batch again, as after
   an answer lost on the way back (nothing is stored the second time);
3. **online**: the same 280 changes made on session B through the online workspace, one at a
   time: each is the roster form of the session page posted with one field changed, as a trainer
   saving after each tick would (the page sends every row, with what it showed), and the redirect
   back to the session page loaded.

Both go through Django's test client in this process (no network, no web server): the figures are
the server's work per path. The database is checked after each path: 200 attendance days and 80
scores stored for each session, one ``SyncChange`` per change id. Celery tasks (the audit's
refresh after each write) go to Redis (``BENCH_REDIS_URL``, database 10, emptied at the end) and
are not run: in production a worker runs them, not the request.

Also printed: the offline workspace's code (bytes and gzip of the page, script, style sheet and
service worker) and the data a trainer takes offline for one 40-person session (bytes and gzip:
the session with its roster, and the people of its governorate for the roster search).

The rows written (sessions, people's participations, changes) are deleted at the end unless
``--keep``. ``os.getloadavg()`` is printed with every figure.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEOPLE = 40
DAYS = 5


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def setup() -> None:
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-field-sync")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_COOKIES", "0")
    os.environ["CELERY_BROKER_URL"] = f"{redis}/10"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL copy of the --scale 56 demo data.")
    import django

    django.setup()


def world():
    """A centre, a trainer qualified for a course, 40 people of the centre's governorate."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cascade.models import SessionKind, TrainerQualification, TrainingSession
    from lms import roles
    from lms.models import Person

    session = TrainingSession.objects.filter(kind=SessionKind.CASCADE).order_by("-start_date").first()
    centre, course = session.training_centre, session.course
    local = Person.objects.filter(governorate_id=centre.governorate_id, is_master_trainer=False)
    trainer = local.order_by("pk").first()
    today = timezone.localdate()
    TrainerQualification.objects.get_or_create(
        person=trainer,
        course=course,
        source_session=None,
        defaults={"valid_from": today - timedelta(days=365), "valid_until": today + timedelta(days=365)},
    )
    user = trainer.user
    if user is None:
        user = get_user_model().objects.create_user(username="bench.field", password=None)
        trainer.user = user
        trainer.save(update_fields=["user"])
    user.groups.add(Group.objects.get(name=roles.TRAINER))
    people = list(
        Person.objects.filter(governorate_id=centre.governorate_id)
        .exclude(pk=trainer.pk)
        .order_by("-pk")[: PEOPLE * 3 : 3]
    )
    return centre, course, trainer, user, people


def open_session(centre, course, trainer, people, tag: str):
    from django.utils import timezone

    from cascade import services
    from cascade.models import SessionKind

    end = timezone.localdate() - timedelta(days=1)
    session = services.session_create(
        ref=f"BENCH-FIELD-{tag}-{uuid.uuid4().hex[:8]}",
        course=course,
        kind=SessionKind.CASCADE,
        training_centre=centre,
        start_date=end - timedelta(days=DAYS - 1),
        end_date=end,
        lead_trainer=trainer,
    )
    services.roster_record(session=session, entries=[services.RosterEntry(person=p) for p in people])
    return session


def changes_for(session, people) -> list[dict]:
    from django.utils import timezone

    batch = []
    seen = timezone.now().isoformat()
    for person in people:
        for day in session.days:
            batch.append(
                {
                    "id": str(uuid.uuid4()),
                    "kind": "attendance",
                    "session": session.pk,
                    "person": person.pk,
                    "day": day.isoformat(),
                    "present": True,
                    "base": False,
                    "seen_at": seen,
                }
            )
        for name, value in (("pre_score", "٤٥"), ("post_score", "80.5")):
            batch.append(
                {
                    "id": str(uuid.uuid4()),
                    "kind": "score",
                    "session": session.pk,
                    "person": person.pk,
                    "field": name,
                    "value": value,
                    "base": None,
                    "seen_at": seen,
                }
            )
    return batch


def stored(session) -> tuple[int, int]:
    from cascade.models import AttendanceDay, Participation

    days = AttendanceDay.objects.filter(participation__session=session).count()
    roster = Participation.objects.filter(session=session)
    scores = roster.exclude(pre_score=None).count() + roster.exclude(post_score=None).count()
    return days, scores


def run_sync(client, session, people) -> tuple[float, float]:
    from fieldkit.models import SyncChange

    batch = changes_for(session, people)
    started = time.perf_counter()
    response = client.post("/api/v1/sync/", {"changes": batch}, content_type="application/json")
    first = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    assert {r["status"] for r in response.json()["results"]} == {"applied"}
    started = time.perf_counter()
    again = client.post("/api/v1/sync/", {"changes": batch}, content_type="application/json")
    replay = time.perf_counter() - started
    assert all(r["replayed"] for r in again.json()["results"])
    assert stored(session) == (PEOPLE * DAYS, PEOPLE * 2), stored(session)
    assert SyncChange.objects.filter(change_id__in=[c["id"] for c in batch]).count() == len(batch)
    return first, replay


def roster_post(session, changed: tuple[int, str, object]) -> dict:
    """The session page's roster form as a trainer's browser posts it, with one field changed."""
    from cascade.models import AttendanceDay, Participation
    from cascade.workspace.forms import _comparable

    days: dict[int, list[str]] = {}
    for person_id, day in AttendanceDay.objects.filter(participation__session=session).values_list(
        "participation__person_id", "day"
    ):
        days.setdefault(person_id, []).append(day.isoformat())
    data: dict = {}
    for p in Participation.objects.filter(session=session):
        row = {
            "days": sorted(days.get(p.person_id, [])),
            "pre_score": "" if p.pre_score is None else str(p.pre_score),
            "post_score": "" if p.post_score is None else str(p.post_score),
            "outcome": p.outcome,
        }
        shown = {name: _comparable(name, value if value != "" else None) for name, value in row.items()}
        if p.person_id == changed[0]:
            name, value = changed[1], changed[2]
            row[name] = sorted({*row["days"], value}) if name == "days" else value
        prefix = f"p{p.person_id}-"
        data[prefix + "days"] = row["days"]
        data[prefix + "pre_score"] = row["pre_score"]
        data[prefix + "post_score"] = row["post_score"]
        data[prefix + "outcome"] = row["outcome"]
        data[prefix + "shown"] = json.dumps(shown)
    return data


def run_online(client, session, people) -> list[float]:
    from django.urls import reverse

    url = reverse("cascade:workspace_session", args=[session.pk])
    steps = [(p.pk, "days", day.isoformat()) for p in people for day in session.days]
    steps += [(p.pk, name, value) for p in people for name, value in (("pre_score", "45"), ("post_score", "80.5"))]
    timings = []
    for step in steps:
        data = roster_post(session, step)  # what the page held, built outside the timing
        started = time.perf_counter()
        response = client.post(url, data, follow=True)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.redirect_chain, response.content[:300]
    assert stored(session) == (PEOPLE * DAYS, PEOPLE * 2), stored(session)
    return timings


def budget(client, trainer, session) -> None:
    from django.contrib.staticfiles import finders

    from fieldkit.selectors import offline_bundle

    def sizes(raw: bytes) -> str:
        return f"{len(raw):,} B ({len(gzip.compress(raw)):,} B gzip)"

    page = client.get("/field/").content
    worker = client.get("/field/sw.js").content
    files = {name: Path(finders.find(f"fieldkit/{name}")).read_bytes() for name in ("app.js", "app.css")}
    total = page + worker + b"".join(files.values())
    print(
        f"code: page {sizes(page)}, app.js {sizes(files['app.js'])}, app.css {sizes(files['app.css'])}, "
        f"sw.js {sizes(worker)}; total {sizes(total)}  [{load()}]"
    )
    bundle = offline_bundle(trainer.pk)
    mine = [s for s in bundle["sessions"] if s["id"] == session.pk]
    one = json.dumps({**bundle, "sessions": mine, "people": {}}, ensure_ascii=False).encode()
    people = json.dumps(bundle["people"], ensure_ascii=False).encode()
    count = sum(len(v) for v in bundle["people"].values())
    print(
        f"data: one 40-person session with its roster {sizes(one)}; people of its governorate for the "
        f"search ({count:,} people) {sizes(people)}  [{load()}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (fresh sessions each)")
    parser.add_argument("--keep", action="store_true", help="keep the sessions and changes written")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    from cascade.models import TrainingSession
    from fieldkit.models import SyncChange
    from lms.models import Person

    print(f"database: {connection.settings_dict['NAME']}, {Person.objects.count():,} people  [{load()}]")
    centre, course, trainer, user, people = world()
    client = Client()
    client.force_login(user)
    client.get("/field/")  # the first request of the process imports the URLconf: not part of either path
    made = []
    syncs, replays, online_totals, online_each = [], [], [], []
    try:
        for n in range(args.repeat):
            a = open_session(centre, course, trainer, people, f"S{n}")
            b = open_session(centre, course, trainer, people, f"O{n}")
            made += [a.pk, b.pk]
            first, replay = run_sync(client, a, people)
            syncs.append(first)
            replays.append(replay)
            print(
                f"round {n + 1}: sync of 280 changes in one batch {first * 1000:,.0f} ms, "
                f"replayed {replay * 1000:,.0f} ms  [{load()}]"
            )
            timings = run_online(client, b, people)
            online_totals.append(sum(timings))
            online_each += timings
            print(
                f"round {n + 1}: the same 280 changes online, one request each: total {sum(timings):,.1f} s, "
                f"median {statistics.median(timings) * 1000:,.0f} ms per change  [{load()}]"
            )
            if n == 0:
                budget(client, trainer, a)
        print()
        print(
            f"median of {args.repeat}: sync {statistics.median(syncs) * 1000:,.0f} ms "
            f"(replay {statistics.median(replays) * 1000:,.0f} ms); online one at a time "
            f"{statistics.median(online_totals):,.1f} s (median {statistics.median(online_each) * 1000:,.0f} ms, "
            f"p95 {sorted(online_each)[int(len(online_each) * 0.95)] * 1000:,.0f} ms per change); "
            f"ratio {statistics.median(online_totals) / statistics.median(syncs):,.0f}×  [{load()}]"
        )
    finally:
        if not args.keep:
            from cascade.models import Participation, SessionTrainer

            SyncChange.objects.filter(session_id__in=made).delete()
            Participation.objects.filter(session_id__in=made).delete()
            SessionTrainer.objects.filter(session_id__in=made).delete()
            TrainingSession.objects.filter(pk__in=made).delete()


if __name__ == "__main__":
    main()
