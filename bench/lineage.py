"""Lineage queries at national scale: median times of what the lineage and reach pages ask.

    .venv/bin/python bench/lineage.py --database postgres://postgres@127.0.0.1:5432/mps_bench_lineage
    .venv/bin/python bench/lineage.py --database sqlite:////tmp/mps_bench_lineage.sqlite3

Uses the database given (never the development or test databases). If it does not hold the demo
data at ``--scale`` (default 56: 500,000 people, 2,000,000 participations), it migrates it and
builds it with ``manage.py demo_data``'s builder (``COPY`` on PostgreSQL; without the demo logins),
inside ``lineage_upkeep.bulk_writes()``, which ends by building the lineage index and its counts;
the build time is printed. ``--rebuild-index`` times a fresh index rebuild.

Then, each after one warm-up run, the median (and slowest) of ``--repeat`` runs of:

1. the reach of the largest trainer (the person with most people below): distinct people per
   generation, read from the stored counts (``ReachCount``), and counted from the index pairs;
2. the first page of 50 of its descendants, nearest first, with their names;
3. the ancestors of the deepest participant, and every trainer → participant edge among them
   (what the lineage page draws);
4. participations and distinct people per generation for a whole course (the busiest one), worked
   out from the participations and the sessions' stored generations;
5. adding one participation: the row with the index update (and the triggers that keep the stored
   counts in step), the row alone, and the whole service call
   (``services.participation_record``: row lock, integrity rules, save, index update, headcounts),
   also with the index upkeep left out, to show what the index adds to a write;
6. the same reach as (1) with one query per generation level (the frontier's participants,
   level by level), and a plain recursive CTE over the sessions (``lineage.walk_descendant_ids``),
   with their ratio to (1);
7. the reach page's figures (by course, governorate, gender, gains) for the largest trainer and
   for a typical generation-1 trainer.

Writes run inside a transaction that is rolled back, so the data set does not change. On SQLite the
benchmark's own connection trades durability for speed (no fsync, a 1 GB page cache): the data set
is throwaway, and the queries read from the cache either way once warm.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0
WRITE_TARGET_MS = 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="DATABASE_URL of the benchmark's own database")
    parser.add_argument("--scale", type=int, default=56)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--rebuild-index", action="store_true", help="also time a full rebuild of the lineage index")
    return parser.parse_args()


def setup(database: str) -> None:
    if "test" in database.rsplit("/", 1)[-1]:
        sys.exit("Refusing to run on a test database.")
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # the demo build's per-task log lines

    from django.db.backends.signals import connection_created

    def bench_pragmas(sender, connection, **kwargs) -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                for pragma in ("synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
                    cursor.execute(f"PRAGMA {pragma}")

    connection_created.connect(bench_pragmas, weak=False)


def timed(label: str, fn, repeat: int, *, target: float | None = TARGET_MS, rows: list) -> float:
    fn()  # warm-up: caches, plans
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    verdict = "" if target is None else ("meets" if median < target else "MISSES") + f" the {target:g} ms target"
    print(f"  {label:<72} {median:9.2f} ms   (slowest {max(samples):8.2f})  {verdict}")
    rows.append({"label": label, "median_ms": round(median, 2), "max_ms": round(max(samples), 2)})
    return median


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args()
    setup(args.database)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count

    from cascade import lineage, lineage_upkeep, reach, services
    from cascade.demo import demo_people, expected_people
    from cascade.demo.build import Builder
    from cascade.demo.services import demo_data_reset
    from cascade.models import LineageLink, Participation, SessionKind, SessionStatus, TrainingSession
    from lms.models import Gender, Person

    vendor = connection.vendor
    print(
        f"Lineage benchmark on {vendor} ({connection.settings_dict['NAME']}), scale {args.scale}, {os.cpu_count()} CPUs"
    )
    call_command("migrate", verbosity=0)
    if demo_people().count() != expected_people(args.scale):
        # The demo's rows without its logins (one per trainee, which the lineage queries do not need).
        started, cpu = time.monotonic(), time.process_time()
        with transaction.atomic(), lineage_upkeep.bulk_writes():
            demo_data_reset()
            summary = Builder(seed=1, scale=args.scale).run()
            wall, cpu_here = time.monotonic() - started, time.process_time() - cpu
            print(f"  wrote the demo rows in {wall:.0f} s ({cpu_here:.0f} s CPU in this process)")
        wall, cpu_here = time.monotonic() - started, time.process_time() - cpu
        print(
            f"  built the demo data in {wall:.0f} s ({cpu_here:.0f} s CPU in this process), "
            f"lineage index and stored counts included: {summary.people:,} people"
        )
    if args.rebuild_index:
        started = time.monotonic()
        lineage_upkeep.links_rebuild()
        print(f"  rebuilt the lineage index in {time.monotonic() - started:.1f} s")
    people, participations = Person.objects.count(), Participation.objects.count()
    pairs = LineageLink.objects.count()
    print(f"  {people:,} people, {participations:,} participations, {pairs:,} lineage pairs")

    top, below = (
        LineageLink.objects.values("ancestor_id").annotate(n=Count("*")).order_by("-n").values_list("ancestor_id", "n")
    ).first()
    deepest = (
        LineageLink.objects.filter(ancestor__is_master_trainer=True)
        .order_by("-depth", "descendant_id")
        .values_list("descendant_id", flat=True)
        .first()
    )
    busiest_course = (
        Participation.objects.values("session__course_id").annotate(n=Count("id")).order_by("-n")
    ).first()["session__course_id"]
    first_generation = list(
        LineageLink.objects.filter(ancestor__is_master_trainer=True, depth=1)
        .values_list("descendant_id", flat=True)
        .distinct()[:2000]
    )
    typical_counts = sorted(lineage.descendant_counts(first_generation).items(), key=lambda item: item[1])
    typical, typical_below = typical_counts[len(typical_counts) // 2]
    print(f"  largest trainer: person #{top}, {below:,} people below; deepest participant: #{deepest}")
    print(f"  typical generation-1 trainer: #{typical}, {typical_below:,} people below")
    print()

    rows: list[dict] = []
    repeat = args.repeat
    assert lineage.descendants_by_depth(top) == lineage.descendants_by_depth_counted(top), "stored reach is stale"
    by_index = timed(
        "1. reach of the largest trainer, distinct people per generation",
        lambda: lineage.descendants_by_depth(top),
        repeat,
        rows=rows,
    )
    counted = timed(
        "1b. the same, counted from the index pairs",
        lambda: lineage.descendants_by_depth_counted(top),
        max(3, repeat // 3),
        target=None,
        rows=rows,
    )
    timed(
        "2. first page of 50 of its descendants, nearest first, with names",
        lambda: list(
            LineageLink.objects.filter(ancestor_id=top)
            .select_related("descendant")
            .order_by("depth", "descendant_id")[:50]
        ),
        repeat,
        rows=rows,
    )
    timed("3a. ancestors of the deepest participant", lambda: lineage.ancestors_by_depth(deepest), repeat, rows=rows)
    timed(
        "3b. every edge of its chain up to generation 0 (the lineage page)",
        lambda: lineage.chain_edges(deepest),
        repeat,
        rows=rows,
    )
    timed(
        "4. participations and people per generation, whole busiest course",
        lambda: _course_counts_on_the_fly(busiest_course),
        max(3, repeat // 3),
        target=None,
        rows=rows,
    )

    session = (
        TrainingSession.objects.filter(kind=SessionKind.CASCADE, status=SessionStatus.OPEN)
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )
    print(f"  writes go to open cascade session {session.ref} ({session.n} participants)")

    def write(fn) -> callable:
        def run() -> None:
            with transaction.atomic():
                newcomer = Person.objects.create(
                    service_number=f"BENCH-{time.perf_counter_ns()}",
                    name_ar="مشارك تجريبي",
                    gender=Gender.MALE,
                    governorate_id=session.governorate_id,
                )
                started = time.perf_counter()
                fn(newcomer)
                run.samples.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)

        run.samples = []
        return run

    def write_timed(label: str, fn, *, target: float | None) -> float:
        run = write(fn)
        run()
        run.samples.clear()
        for _ in range(repeat):
            run()
        median = statistics.median(run.samples)
        verdict = "" if target is None else ("meets" if median < target else "MISSES") + f" the {target:g} ms target"
        print(f"  {label:<72} {median:9.2f} ms   (slowest {max(run.samples):8.2f})  {verdict}")
        rows.append({"label": label, "median_ms": round(median, 2), "max_ms": round(max(run.samples), 2)})
        return median

    def add_row_and_index(person) -> None:
        Participation.objects.bulk_create([Participation(session=session, person=person)])  # no signal
        lineage_upkeep.links_add_session(session.pk, participant_id=person.pk)

    def add_row_only(person) -> None:
        Participation.objects.bulk_create([Participation(session=session, person=person)])

    write_timed("5a. add one participation: row + lineage index update", add_row_and_index, target=WRITE_TARGET_MS)
    write_timed("5b. add one participation: row only (no index)", add_row_only, target=None)
    write_timed(
        "5c. add one participation through the service (rules + row + index)",
        lambda person: services.participation_record(session=session, person=person),
        target=None,
    )
    index_upkeep = lineage_upkeep.links_add_session
    lineage_upkeep.links_add_session = lambda *args, **kwargs: None
    try:
        write_timed(
            "5d. the same service call without the index upkeep",
            lambda person: services.participation_record(session=session, person=person),
            target=None,
        )
    finally:
        lineage_upkeep.links_add_session = index_upkeep

    frontier_sql = _frontier_sql(vendor)

    def per_level() -> dict[int, int]:
        seen, frontier, counts, depth = {top}, [top], {}, 0
        with connection.cursor() as cursor:
            while frontier and depth < lineage.MAX_GENERATION:
                depth += 1
                param = frontier if vendor == "postgresql" else json.dumps(frontier)
                cursor.execute(frontier_sql, [param])
                found = {row[0] for row in cursor.fetchall()} - seen
                if found:
                    counts[depth] = len(found)
                seen |= found
                frontier = sorted(found)
        return counts

    assert per_level() == lineage.descendants_by_depth(top), "the per-level walk and the index disagree"
    by_levels = timed("6a. the same reach, one query per generation level", per_level, repeat, target=None, rows=rows)
    by_cte = timed(
        "6b. the same people by a plain recursive CTE over the sessions",
        lambda: lineage.walk_descendant_ids([top]),
        max(3, repeat // 3),
        target=None,
        rows=rows,
    )
    print(
        f"  ratio: one query per level / stored counts = {by_levels / by_index:.1f}×; "
        f"recursive CTE / stored counts = {by_cte / by_index:.1f}×; index pairs counted / stored counts = "
        f"{counted / by_index:.1f}×"
    )
    timed(
        "7a. reach page figures of the largest trainer (course, governorate, gender, gains)",
        lambda: reach.trainer_reach(top),
        max(3, repeat // 3),
        target=None,
        rows=rows,
    )
    timed(
        "7b. reach page figures of a typical generation-1 trainer",
        lambda: reach.trainer_reach(typical),
        repeat,
        target=None,
        rows=rows,
    )


def _course_counts_on_the_fly(course_id: int) -> list[tuple[int, int, int]]:
    """(generation, participations, people) of a course from the participations and the stored session
    generations."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sg.generation, COUNT(*), COUNT(DISTINCT pa.person_id) FROM cascade_participation pa "
            "JOIN cascade_sessiongeneration sg ON sg.session_id = pa.session_id WHERE sg.course_id = %s "
            "GROUP BY sg.generation ORDER BY sg.generation",
            [course_id],
        )
        return [tuple(row) for row in cursor.fetchall()]


def _frontier_sql(vendor: str) -> str:
    """The participants of the sessions the frontier trained: one statement, the frontier as one parameter."""
    # A set to join with, not a list scanned per row (= ANY of 80,000 ids would take minutes).
    frontier = "IN (SELECT unnest(%s::bigint[]))" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    return (
        "SELECT DISTINCT pa.person_id FROM cascade_participation pa "
        "JOIN cascade_sessiontrainer st ON st.session_id = pa.session_id "
        f"WHERE st.person_id {frontier} AND pa.person_id <> st.person_id"
    )


if __name__ == "__main__":
    main()
