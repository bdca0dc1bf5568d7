"""The cascade's writer at national scale, side by side with an older revision of the code, in one run.

    .venv/bin/python bench/writer.py \\
        --before-code /tmp/before --before-database postgres://postgres@127.0.0.1:5432/x_before \\
        --after-code /tmp/after --after-database postgres://postgres@127.0.0.1:5432/x_after

Each side is a checkout of the code (``git worktree add /tmp/before <commit>``) and its own copy of a
500,000-person database (``createdb -T`` of a ``manage.py demo_data --scale 56`` build), run one after
the other by this script with the same interpreter, on the production profile: PostgreSQL, Redis
(``BENCH_REDIS_URL``, databases 1–4) and one Celery worker (one process) started from that side's
code. Each side is migrated first (not timed). Then, for each side:

1. **One participation through the writer**: ``cascade.services.participation_record`` adding a new
   person to the open cascade session with most participants (row lock, integrity rules, row,
   lineage index and counts, headcounts), in a transaction rolled back each time; median and
   slowest of ``--repeat`` runs.
2. **The dashboard fresh after a workspace save**: the same call, committed; then the directorate
   auditor's dashboard (``/audit/``, signed in with the second factor passed, through Django's test
   client in this process) is asked every 100 ms until the change is in the facts and the page is
   served neither marked outdated nor with changes not yet counted. The time from the start of the
   save to that answer; ``--saves`` saves.
3. **A 50,000-row participations import into the loaded database**: ``--rows`` people and 2,000
   open cascade sessions led by qualified trainers are added first (not timed); then the rows go
   through ``imports.services.records_import`` (what ``manage.py import_records`` and the admin's
   import call) until it reports them stored; then, as in (2), the time until the dashboard is fresh.

The load average is printed with every figure; on a shared machine the wall times depend on what
else runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

MAIN = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(PYTHON).parent / "celery")
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-writer-not-secret-0123456789abcdefghijklmnopqrstuvwxyz0123",
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
    "CELERY_TASK_ALWAYS_EAGER": "0",
}
FRESH_TIMEOUT = 300.0


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- One side -------------------------------------------------------------------------------------


def side_env(database: str, redis_db: int, var_dir: str) -> dict[str, str]:
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    return {
        **SERVER_ENV,
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": f"{redis}/{redis_db}",
        "REDIS_URL": f"{redis}/{redis_db + 1}",
        "VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def run_side(code: Path, out: Path, repeat: int, saves: int, rows: int) -> None:
    """In a process of its own, with ``code`` first on the path and the environment set by the driver."""
    os.chdir(code)
    sys.path.insert(0, str(code))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()
    import redis

    for url in (os.environ["CELERY_BROKER_URL"], os.environ["REDIS_URL"]):
        redis.Redis.from_url(url).flushdb()
    worker = subprocess.Popen(  # noqa: S603 — fixed arguments
        [CELERY, "-A", "config", "worker", "-c", "1", "-l", "warning", "--without-gossip", "--without-mingle"],
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
    )
    results: dict = {}
    try:
        client = auditor_client()
        started = time.monotonic()
        wait_fresh(client, None)
        print(f"    dashboard warm after {time.monotonic() - started:.1f} s ({load()})", flush=True)
        session = busiest_open_session()
        results["participation"] = participation_timing(session, repeat)
        results["fresh"] = fresh_after_saves(client, session, saves)
        results["import"] = import_timing(client, rows)
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
    out.write_text(json.dumps(results))


def auditor_client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    user = get_user_model().objects.get(username="auditor")
    client = Client()
    client.force_login(user)
    device, _created = StaticDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def served_fresh(client) -> bool:
    response = client.get("/audit/")
    assert response.status_code == 200, response.status_code
    context = response.context
    return not context.get("outdated", False) and not context.get("pending", 0)


def wait_fresh(client, counted) -> float:
    """Seconds until ``counted()`` (the change is in the facts) and then a page served fresh."""
    started = time.monotonic()
    while time.monotonic() - started < FRESH_TIMEOUT:
        if (counted is None or counted()) and served_fresh(client):
            return time.monotonic() - started
        time.sleep(0.1)
    return float("inf")


def busiest_open_session():
    from django.db.models import Count

    from cascade.models import SessionKind, SessionStatus, TrainingSession

    return (
        TrainingSession.objects.filter(kind=SessionKind.CASCADE, status=SessionStatus.OPEN)
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )


def newcomer(session, tag: str):
    from lms.models import Gender, Person

    return Person.objects.create(
        service_number=f"BW-{tag}-{time.perf_counter_ns()}",
        name_ar="مشارك تجريبي",
        gender=Gender.MALE,
        governorate_id=session.governorate_id,
    )


def participation_timing(session, repeat: int) -> dict:
    from django.db import transaction

    from cascade import services

    samples = []
    for n in range(repeat + 1):
        with transaction.atomic():
            person = newcomer(session, "r")
            started = time.perf_counter()
            services.participation_record(session=session, person=person)
            if n:  # the first is a warm-up
                samples.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    result = {"median_ms": statistics.median(samples), "max_ms": max(samples), "load": load()}
    print(f"    one participation: median {result['median_ms']:.1f} ms ({result['load']})", flush=True)
    return result


def fresh_after_saves(client, session, saves: int) -> dict:
    from audit.models import ParticipationFact
    from cascade import services

    times, save_ms = [], []
    for _ in range(saves):
        person = newcomer(session, "s")
        started = time.monotonic()
        services.participation_record(session=session, person=person)
        save_ms.append((time.monotonic() - started) * 1000)

        def counted(person=person) -> bool:
            return ParticipationFact.objects.filter(session_id=session.pk, person_id=person.pk).exists()

        times.append(time.monotonic() - started + wait_fresh(client, counted))
        time.sleep(1)
    result = {"median_s": statistics.median(times), "max_s": max(times), "save_ms": statistics.median(save_ms)}
    result["load"] = load()
    print(
        f"    fresh after a save: median {result['median_s']:.2f} s, slowest {result['max_s']:.2f} s "
        f"({result['load']})",
        flush=True,
    )
    return result


def import_records(rows: int) -> tuple[list[str], list[str]]:
    """2,000 open cascade sessions led by qualified trainers and ``rows`` new people (not timed)."""
    from cascade import services
    from cascade.models import Outcome, SessionKind, SessionTrainer, TrainerRole, TrainingSession
    from courses.models import Course
    from lms.models import Governorate, Person, TrainingCentre

    baghdad = Governorate.objects.get(code="BG")
    course = Course.objects.get(code="MPS-01")
    centre, _ = TrainingCentre.objects.get_or_create(
        code="BWTC", defaults={"name_en": "Bench centre", "name_ar": "مركز القياس", "governorate": baghdad}
    )
    master = Person.objects.create(
        service_number="BWMASTER", name_ar="خبير", gender="M", governorate=baghdad, is_master_trainer=True
    )
    tot = services.session_create(
        ref="BWTOT",
        course=course,
        kind=SessionKind.TOT,
        training_centre=centre,
        start_date=date(2021, 1, 4),
        end_date=date(2021, 1, 8),
        lead_trainer=master,
    )
    trainers = []
    for n in range(20):
        trainer = Person.objects.create(
            service_number=f"BWT{n:02d}", name_ar=f"مدرب {n}", gender="M", governorate=baghdad
        )
        services.participation_record(session=tot, person=trainer, outcome=Outcome.COMPLETED)
        trainers.append(trainer)
    services.session_close(session=tot)
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                ref=f"BW-{n:05d}",
                course=course,
                kind=SessionKind.CASCADE,
                training_centre=centre,
                governorate=baghdad,
                start_date=date(2022, 1, 3) + timedelta(days=n % 300),
                end_date=date(2022, 1, 7) + timedelta(days=n % 300),
            )
            for n in range(2000)
        ]
    )
    SessionTrainer.objects.bulk_create(
        [SessionTrainer(session=s, person=trainers[n % 20], role=TrainerRole.LEAD) for n, s in enumerate(sessions)]
    )
    try:
        from cascade.lineage_upkeep import session_generations_refresh
    except ImportError:  # the revision before the writer: its trainer rows' generation, one session at a time
        from cascade.lineage import links_add_session

        def session_generations_refresh(ids):
            for pk in ids:
                links_add_session(pk)

    session_generations_refresh([s.pk for s in sessions])
    Person.objects.bulk_create(
        [
            Person(
                service_number=f"BWP{n:07d}",
                name_ar=f"منتسب {n}",
                name_ar_normalized=f"منتسب {n}",
                gender="M" if n % 7 else "F",
                governorate=baghdad,
            )
            for n in range(rows)
        ],
        batch_size=5000,
    )
    return [s.ref for s in sessions], [f"BWP{n:07d}" for n in range(rows)]


def import_timing(client, rows: int) -> dict:
    from audit.models import ParticipationFact
    from imports import files
    from imports.services import records_import

    refs, numbers = import_records(rows)
    per_session = rows // len(refs)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "participations.csv"
        lines = [
            [refs[i // per_session % len(refs)], numbers[i], 4, 30 + i % 40, 60 + i % 40, "completed"]
            for i in range(rows)
        ]
        path.write_text(
            files.write_csv(
                ["session_ref", "service_number", "days_attended", "pre_score", "post_score", "outcome"], lines
            )
        )
        wait_fresh(client, None)
        started = time.monotonic()
        dataset = files.read_dataset(path, fmt="csv", name=path.name)
        outcome = records_import(kind="participations", dataset=dataset, dry_run=False)
        stored = time.monotonic() - started
    assert outcome.counts["new"] == rows, outcome.counts
    last = numbers[-1]

    def counted() -> bool:
        return ParticipationFact.objects.filter(person__service_number=last).exists()

    fresh = stored + wait_fresh(client, counted)
    result = {"stored_s": stored, "fresh_s": fresh, "load": load()}
    print(
        f"    import of {rows:,} rows: stored in {stored:.1f} s, dashboard fresh after {fresh:.1f} s "
        f"({result['load']})",
        flush=True,
    )
    return result


# --- The driver -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before-code", type=Path)
    parser.add_argument("--before-database")
    parser.add_argument("--after-code", type=Path, default=MAIN)
    parser.add_argument("--after-database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--side", type=Path, help=argparse.SUPPRESS)  # internal: run one side
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args.side, args.out, args.repeat, args.saves, args.rows)
        return

    sides = [("before", args.before_code, args.before_database, 1), ("after", args.after_code, args.after_database, 3)]
    results = {}
    print(f"{load()} at the start")
    for name, code, database, redis_db in sides:
        if code is None or database is None:
            continue
        commit = subprocess.run(
            ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"{name}: code {code} ({commit}), database {database.rsplit('/', 1)[-1]}", flush=True)
        with tempfile.TemporaryDirectory() as var_dir:
            out = Path(var_dir) / "result.json"
            env = {**os.environ, **side_env(database, redis_db, var_dir)}
            command = [PYTHON, __file__, "--side", str(code), "--out", str(out)]
            command += ["--repeat", str(args.repeat), "--saves", str(args.saves), "--rows", str(args.rows)]
            subprocess.run(command, env=env, check=True)  # noqa: S603 — fixed arguments
            results[name] = {"commit": commit, **json.loads(out.read_text())}

    print()
    print(f"{'':52} {'before':>16} {'after':>16}   target")
    rows = [
        ("one participation through the writer, median", "participation", "median_ms", "ms", "< 20 ms"),
        ("one participation through the writer, slowest", "participation", "max_ms", "ms", ""),
        ("dashboard fresh after a workspace save, median", "fresh", "median_s", "s", "< 2 s"),
        ("dashboard fresh after a workspace save, slowest", "fresh", "max_s", "s", ""),
        (f"{args.rows:,}-row participations import, until Stored", "import", "stored_s", "s", "< 60 s"),
        (f"{args.rows:,}-row participations import, until fresh", "import", "fresh_s", "s", ""),
    ]
    for label, part, key, unit, target in rows:
        cells = []
        for name in ("before", "after"):
            value = results.get(name, {}).get(part, {}).get(key)
            cells.append("—" if value is None else ("not fresh" if value == float("inf") else f"{value:.2f} {unit}"))
        print(f"{label:<52} {cells[0]:>16} {cells[1]:>16}   {target}")
    for name in ("before", "after"):
        if name in results:
            loads = ", ".join(f"{part}: {results[name][part]['load']}" for part in ("participation", "fresh", "import"))
            print(f"{name} ({results[name]['commit']}) {loads}")
    print(f"{load()} at the end")


if __name__ == "__main__":
    main()
