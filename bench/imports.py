"""Participations import speed: the project's path against a plain django-import-export resource.

    .venv/bin/python bench/imports.py [--rows 50000] [--plain-rows 50000] [--database mps_bench_imports]

Uses its own PostgreSQL database (created if missing, migrated) on 127.0.0.1:5432 as user
postgres (``BENCH_DATABASE_URL`` overrides the whole address). Builds 2,000 cascade sessions led
by qualified trainers and 25,000 people, writes a generated ``--rows``-row participations CSV
(25 participants per session, each person in two sessions), then:

(a) imports it through the project's path — ``imports.services.records_import``: the file read,
    every row validated, the cascade's integrity rules run per session, bulk writes, one
    transaction — and prints rows per second;
(b) deletes those participations and imports the same rows with a plain ``ModelResource`` with
    default settings (foreign keys by session reference and service number, import ids session +
    person; one query per lookup and a save per row, no integrity rules) and prints rows per
    second (on the first ``--plain-rows`` rows when smaller, since its rate does not depend on
    the file's length);
then the ratio of the two rates. Wall time and this process's CPU time are printed for each path
(the database server's own work shows in the wall time only), with the load average: on a shared
machine the wall time depends on what else runs.
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

SESSIONS, PEOPLE, PER_SESSION = 2000, 25000, 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--plain-rows", type=int, default=50000)
    parser.add_argument("--database", default="mps_bench_imports")
    return parser.parse_args()


def prepare_database(name: str) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists and "BENCH_DATABASE_URL" not in os.environ:
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

    from cascade.lineage import bulk_writes

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
    if Person.objects.filter(service_number__startswith="BP").count() == PEOPLE:
        return
    Person.objects.bulk_create(
        [
            Person(
                service_number=f"BP{n:07d}",
                name_ar=f"منتسب {n}",
                name_ar_normalized=f"منتسب {n}",
                gender="M" if n % 7 else "F",
                governorate=baghdad,
            )
            for n in range(PEOPLE)
        ],
        batch_size=5000,
    )


def write_file(path: Path, rows: int) -> None:
    from imports.files import write_csv

    lines = []
    for i in range(rows):
        session, person = i // PER_SESSION, i % PEOPLE
        lines.append([f"BENCH-{session % SESSIONS:05d}", f"BP{person:07d}", 4, 30 + i % 40, 60 + i % 40, "completed"])
    path.write_text(
        write_csv(["session_ref", "service_number", "days_attended", "pre_score", "post_score", "outcome"], lines)
    )


def plain_resource():
    from import_export import fields, resources, widgets

    from cascade.models import Participation, TrainingSession
    from lms.models import Person

    class PlainParticipationResource(resources.ModelResource):
        session = fields.Field("session", "session_ref", widgets.ForeignKeyWidget(TrainingSession, "ref"))
        person = fields.Field("person", "service_number", widgets.ForeignKeyWidget(Person, "service_number"))

        class Meta:
            model = Participation
            fields = ("session", "person", "days_attended", "pre_score", "post_score", "outcome")
            import_id_fields = ("session", "person")

    return PlainParticipationResource()


def main() -> None:
    args = parse_args()
    url = prepare_database(args.database)
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(url, var_dir)
        from django.db import connection

        from imports import files
        from imports.services import records_import

        build_records()
        path = Path(var_dir) / "participations.csv"
        write_file(path, args.rows)
        print(f"PostgreSQL {connection.pg_version}; {args.rows:,} rows in {path.stat().st_size / 1e6:.1f} MB")

        print(f"load average before: {load()}")
        server_cpu = server_cpu_seconds()
        started, cpu = time.perf_counter(), time.process_time()
        dataset = files.read_dataset(path, fmt="csv", name=path.name)
        outcome = records_import(kind="participations", dataset=dataset, dry_run=False)
        project, project_cpu = time.perf_counter() - started, time.process_time() - cpu
        if server_cpu is not None:
            print(f"database server process's CPU during the project path: {server_cpu_seconds() - server_cpu:.1f} s")
        counts = outcome.counts
        assert counts["new"] == args.rows and counts["error"] == 0, (counts, outcome.error_rows()[:3])
        project_rate = args.rows / project
        print(
            f"project path:   {args.rows:,} rows in {project:.1f} s (this process's CPU {project_cpu:.1f} s) "
            f"= {project_rate:,.0f} rows/s (counts {counts})"
        )
        print(f"load average after the project path: {load()}")

        remove_participations()
        plain_rows = min(args.plain_rows, args.rows)
        started, cpu = time.perf_counter(), time.process_time()
        dataset = files.read_dataset(path, fmt="csv", name=path.name)
        sample = dataset.subset(rows=range(plain_rows)) if plain_rows < args.rows else dataset
        result = plain_resource().import_data(sample, dry_run=False)
        plain, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not result.has_errors() and not result.has_validation_errors()
        plain_rate = plain_rows / plain
        print(
            f"plain resource: {plain_rows:,} rows in {plain:.1f} s (this process's CPU {plain_cpu:.1f} s) "
            f"= {plain_rate:,.0f} rows/s"
        )
        print(f"ratio: the project's path is {project_rate / plain_rate:.1f}× the plain resource")
        print(f"load average after: {load()}")
        remove_participations()


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
