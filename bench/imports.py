"""Import speed: the project's path against stock django-import-export, side by side in one run.

    .venv/bin/python bench/imports.py [--rows 50000] [--plain-rows 50000] [--people 25000]
        [--first-load-people 25000] [--database mps_bench_imports] [--plain-default]
        [--project-only] [--no-first-load]

Uses its own PostgreSQL databases (created if missing, migrated) on 127.0.0.1:5432 as user
postgres (``BENCH_DATABASE_URL`` overrides the main one's whole address). Builds 2,000 cascade
sessions led by qualified trainers and ``--people`` people (25,000; pass 500000 for the
national-scale database, which takes a while to build), writes a generated ``--rows``-row
participations CSV (25 participants per session), then imports the same rows:

(a) through the project's path — ``imports.services.records_import``: the file read, every row
    validated, the cascade's integrity rules run per session, bulk writes with history rows, one
    transaction;
(b) through stock django-import-export configured as its documentation recommends for volume
    ("Bulk imports"): ``use_bulk=True``, ``batch_size=1000``, ``skip_diff=True``, foreign keys by
    session reference and service number with the stock ``ForeignKeyWidget``, the stock instance
    loader (``CachedInstanceLoader``, the documented cache, takes a single import-id field and a
    participation's is two); none of this project's checks, history or signals;
(c) with ``--plain-default``, also a stock resource with default settings (a save per row);

each after the previous one's participations are removed, and prints the figures side by side
with the ratio. Then, in a second database created empty for the purpose (``<database>_first``,
dropped and migrated each run), it times a first load as a new installation makes it: a units
file, a stations file and a ``--first-load-people``-row roster naming them (ranks as offices
write them), each through ``records_import``.

Into the national-scale database: copy it (``createdb -T <national> <copy>``) and run with
``BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy> … --project-only --no-first-load``:
the same 50,000 rows through the project's path, beside 500,000 stored people and their
participations (the lineage index then grows session by session, as it does for any import that
does not at least double what is stored).

Wall time and this process's CPU time are printed for each path (the database server's own work
shows in the wall time only), with the load average: on a shared machine the wall time depends on
what else runs.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SESSIONS, PER_SESSION = 2000, 25
PEOPLE = 25000  # set from --people
RANKS_AS_WRITTEN = ("رائد شرطة", "Police Major", "Maj.", "عقيد شرطة", "ن.ع.", "ملازم أول", "Lt. Col.", "شرطي")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--plain-rows", type=int, default=50000)
    parser.add_argument("--people", type=int, default=25000, help="People in the main database (500000: national).")
    parser.add_argument("--first-load-people", type=int, default=25000)
    parser.add_argument("--database", default="mps_bench_imports")
    parser.add_argument("--plain-default", action="store_true", help="Also time a stock resource with defaults.")
    parser.add_argument("--first-load-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-first-load", action="store_true", help="Skip the first load into an empty database.")
    parser.add_argument(
        "--project-only",
        action="store_true",
        help="Time the project's path only (e.g. into a copy of the national-scale database).",
    )
    return parser.parse_args()


def prepare_database(name: str, *, fresh: bool = False) -> str:
    if fresh:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")
    if fresh:
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists and (fresh or "BENCH_DATABASE_URL" not in os.environ):
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return url


def setup_django(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def remove_participations() -> None:
    """The benchmark's participations, their history rows and lineage pairs, removed in plain SQL
    (deleting 50,000 tracked rows through the ORM would time the signals, not the imports), inside
    ``bulk_writes()``: the per-row upkeep of the lineage counts is off and one rebuild follows; then
    the two tables are vacuumed."""
    from django.db import connection

    from cascade.lineage_upkeep import bulk_writes
    from cascade.models import Participation

    if not Participation.objects.filter(session__ref__startswith="BENCH-").exists():
        return  # nothing to remove: no index rebuild (minutes on the national-scale database)
    with bulk_writes(), connection.cursor() as cursor:
        sessions = "SELECT id FROM cascade_trainingsession WHERE ref LIKE 'BENCH-%%'"
        cursor.execute(f"DELETE FROM cascade_participation WHERE session_id IN ({sessions})")
        cursor.execute(f"DELETE FROM ops_historicalparticipation WHERE session_id IN ({sessions})")
    # Each run starts from tables without the previous run's 50,000 dead rows and index entries
    # (which autovacuum may not have reached yet), as a first load onto kept tables would.
    with connection.cursor() as cursor:
        for table in ("cascade_participation", "ops_historicalparticipation"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def build_records():
    """Sessions led by qualified trainers, and people, in bulk; the previous run's rows removed."""
    from cascade import services
    from cascade.models import Outcome, SessionKind, SessionTrainer, TrainerRole, TrainingSession
    from courses.models import Course
    from lms.models import Governorate, Person, TrainingCentre

    remove_participations()  # what an earlier run built is kept, except its participations

    baghdad = Governorate.objects.get(code="BG")
    course = Course.objects.get(code="MPS-01")
    centre, _ = TrainingCentre.objects.get_or_create(
        code="BENCHTC", defaults={"name_en": "Bench centre", "name_ar": "مركز القياس", "governorate": baghdad}
    )
    master, _ = Person.objects.get_or_create(
        service_number="BENCHMASTER",
        defaults={"name_ar": "خبير", "gender": "M", "governorate": baghdad, "is_master_trainer": True},
    )
    trainers = []
    tot = TrainingSession.objects.filter(ref="BENCHTOT").first()
    if tot is None:
        tot = services.session_create(
            ref="BENCHTOT",
            course=course,
            kind=SessionKind.TOT,
            training_centre=centre,
            start_date=date(2021, 1, 4),
            end_date=date(2021, 1, 8),
            lead_trainer=master,
        )
        for n in range(20):
            trainer = Person.objects.create(
                service_number=f"BENCHT{n:02d}", name_ar=f"مدرب {n}", gender="M", governorate=baghdad
            )
            services.participation_record(session=tot, person=trainer, outcome=Outcome.COMPLETED)
        services.session_close(session=tot)
    trainers = list(Person.objects.filter(service_number__startswith="BENCHT").order_by("service_number"))

    if TrainingSession.objects.filter(ref__startswith="BENCH-").count() == SESSIONS:
        sessions = []
    else:
        SessionTrainer.objects.filter(session__ref__startswith="BENCH-").delete()
        TrainingSession.objects.filter(ref__startswith="BENCH-").delete()
        sessions = TrainingSession.objects.bulk_create(
            [
                TrainingSession(
                    ref=f"BENCH-{n:05d}",
                    course=course,
                    kind=SessionKind.CASCADE,
                    training_centre=centre,
                    governorate=baghdad,
                    start_date=date(2022, 1, 3) + timedelta(days=n % 300),
                    end_date=date(2022, 1, 7) + timedelta(days=n % 300),
                )
                for n in range(SESSIONS)
            ]
        )
    SessionTrainer.objects.bulk_create(
        [
            SessionTrainer(session=s, person=trainers[n % len(trainers)], role=TrainerRole.LEAD)
            for n, s in enumerate(sessions)
        ]
    )
    # People BP0000000… are created in order, so the ones already there are the first ``stored``.
    stored = Person.objects.filter(service_number__startswith="BP").count()
    for start in range(stored, PEOPLE, 20000):
        Person.objects.bulk_create(
            [
                Person(
                    service_number=f"BP{n:07d}",
                    name_ar=f"منتسب {n}",
                    name_ar_normalized=f"منتسب {n}",
                    gender="M" if n % 7 else "F",
                    governorate=baghdad,
                )
                for n in range(start, min(start + 20000, PEOPLE))
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )


def write_file(path: Path, rows: int) -> None:
    from imports.files import write_csv

    lines = []
    for i in range(rows):
        session, person = i // PER_SESSION, i % PEOPLE  # each session's people are distinct
        lines.append([f"BENCH-{session % SESSIONS:05d}", f"BP{person:07d}", 4, 30 + i % 40, 60 + i % 40, "completed"])
    path.write_text(
        write_csv(["session_ref", "service_number", "days_attended", "pre_score", "post_score", "outcome"], lines)
    )


def stock_resource(*, tuned: bool):
    """Stock django-import-export for participations; ``tuned``: as its documentation recommends for
    volume (bulk writes in batches, no diff)."""
    from import_export import fields, resources, widgets

    from cascade.models import Participation, TrainingSession
    from lms.models import Person

    class Meta:
        model = Participation
        fields = ("session", "person", "days_attended", "pre_score", "post_score", "outcome")
        import_id_fields = ("session", "person")
        if tuned:
            use_bulk = True
            batch_size = 1000
            skip_diff = True

    attributes = {
        "session": fields.Field("session", "session_ref", widgets.ForeignKeyWidget(TrainingSession, "ref")),
        "person": fields.Field("person", "service_number", widgets.ForeignKeyWidget(Person, "service_number")),
        "Meta": Meta,
    }
    name = "TunedParticipationResource" if tuned else "DefaultParticipationResource"
    return type(name, (resources.ModelResource,), attributes)()


def timed(label: str, rows: int, run) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    run()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    figures = {"label": label, "rows": rows, "wall": wall, "cpu": used, "rate": rows / wall}
    print(
        f"{label:<44} {rows:>8,} rows {wall:>8.1f} s  (CPU {used:.1f} s)  {figures['rate']:>8,.0f} rows/s"
        f"  load {load()}",
        flush=True,
    )
    return figures


def compare(args) -> None:
    """The participations file through the project's path and through stock django-import-export."""
    from django.db import connection

    from imports import files
    from imports.services import records_import

    build_records()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "participations.csv"
        write_file(path, args.rows)
        size = path.stat().st_size / 1e6
        from cascade.models import Participation
        from lms.models import Person

        stored = f"{Person.objects.count():,} people and {Participation.objects.count():,} participations stored"
        print(f"PostgreSQL {connection.pg_version}; {stored}; {args.rows:,} rows in {size:.1f} MB")
        print(f"load average before: {load()}")

        outcomes = {}

        def project() -> None:
            dataset = files.read_dataset(path, fmt="csv", name=path.name)
            outcomes["project"] = records_import(kind="participations", dataset=dataset, dry_run=False)

        server_cpu = server_cpu_seconds()
        results = [timed("project path (checks, rules, history)", args.rows, project)]
        if server_cpu is not None:
            print(f"  database server process's CPU: {server_cpu_seconds() - server_cpu:.1f} s")
        counts = outcomes["project"].counts
        assert counts["new"] == args.rows and counts["error"] == 0, (counts, outcomes["project"].error_rows()[:3])
        if args.project_only:  # a copy made for the run, dropped after it: its rows are left
            print(f"load average after: {load()}")
            return
        remove_participations()

        plain_rows = min(args.plain_rows, args.rows)

        def stock(tuned: bool):
            def run() -> None:
                dataset = files.read_dataset(path, fmt="csv", name=path.name)
                sample = dataset.subset(rows=range(plain_rows)) if plain_rows < args.rows else dataset
                result = stock_resource(tuned=tuned).import_data(sample, dry_run=False, use_transactions=True)
                assert not result.has_errors() and not result.has_validation_errors()
                assert result.totals["new"] == plain_rows, result.totals

            return run

        results.append(timed("stock d-i-e, tuned (use_bulk, batch 1000, …)", plain_rows, stock(True)))
        remove_participations()
        if args.plain_default:
            results.append(timed("stock d-i-e, defaults (a save per row)", plain_rows, stock(False)))
            remove_participations()

    print()
    print(f"{'path':<44} {'rows':>8} {'seconds':>9} {'rows/s':>9} {'× stock tuned':>14}")
    tuned_rate = results[1]["rate"]
    for figures in results:
        print(
            f"{figures['label']:<44} {figures['rows']:>8,} {figures['wall']:>9.1f} {figures['rate']:>9,.0f} "
            f"{figures['rate'] / tuned_rate:>13.2f}×"
        )
    ratio = results[0]["rate"] / tuned_rate
    verdict = "met" if ratio >= 2 else "NOT met"
    print(f"project ÷ stock tuned on the same rows: {ratio:.1f}× (target 2×: {verdict})")
    print(f"load average after: {load()}")


def first_load(args) -> None:
    """A new installation's first load: units, stations, then a roster naming them (ranks as written)."""
    from imports.columns import PEOPLE as PEOPLE_COLUMNS
    from imports.columns import STATIONS, UNITS
    from imports.files import read_dataset, write_csv
    from imports.services import records_import
    from lms.models import Governorate

    governorates = list(Governorate.objects.filter(is_kurdistan_region=False).order_by("code"))
    units = [
        [g.code, f"{g.name_en} Police Directorate {n}", f"مديرية شرطة {g.name_ar} {n}"]
        for g in governorates
        for n in range(1, 11)
    ]
    stations = [
        [unit[0], unit[2], f"{unit[1]} Station {m}", f"مركز شرطة {unit[2]} {m}", "نعم" if m == 1 else ""]
        for unit in units
        for m in range(1, 6)
    ]
    people = []
    for n in range(args.first_load_people):
        station = stations[n % len(stations)]
        people.append(
            [
                f"FL{n:07d}",
                f"منتسب {n}",
                "",
                "ذكر" if n % 7 else "أنثى",
                RANKS_AS_WRITTEN[n % len(RANKS_AS_WRITTEN)],
                station[1],
                station[3],
                station[0],
            ]
        )
    with tempfile.TemporaryDirectory() as work:
        total = 0.0
        print(f"first load into an empty database ({len(governorates)} governorates):", flush=True)
        for kind, columns, rows in (
            ("units", UNITS, units),
            ("stations", STATIONS, stations),
            ("people", PEOPLE_COLUMNS, people),
        ):
            path = Path(work) / f"{kind}.csv"
            path.write_text(write_csv([c.arabic for c in columns], rows), encoding="utf-8")
            outcome = {}

            def run(path=path, kind=kind, outcome=outcome) -> None:
                dataset = read_dataset(path, fmt="csv", name=path.name)
                outcome["result"] = records_import(kind=kind, dataset=dataset, dry_run=False)

            figures = timed(f"  {kind} file (project path)", len(rows), run)
            result = outcome["result"]
            assert result.stored and result.counts["new"] == len(rows), (result.counts, result.error_rows()[:3])
            total += figures["wall"]
        print(f"  first load in all: {total:.1f} s")


def main() -> None:
    global PEOPLE
    args = parse_args()
    PEOPLE = args.people
    if args.first_load_only:
        url = prepare_database(args.database, fresh=True)
        with tempfile.TemporaryDirectory() as var_dir:
            setup_django(url, var_dir)
            first_load(args)
        return
    url = prepare_database(args.database)
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(url, var_dir)
        compare(args)
        if not args.project_only:
            remove_participations()
    if not args.no_first_load:
        print()
        command = [
            sys.executable,
            __file__,
            "--first-load-only",
            "--database",
            f"{args.database}_first",
            "--first-load-people",
            str(args.first_load_people),
        ]
        env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
        subprocess.run(command, check=True, env=env)


def server_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL server process, when it runs on this machine."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
