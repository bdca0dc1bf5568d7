"""Load test of the directorate audit dashboard: gunicorn on loopback, concurrent signed-in auditors.

Runs against the database in DATABASE_URL (PostgreSQL, e.g. a `manage.py demo_data --scale 56`
build: 500,000 people, 2,000,000 participations). Steps, each timed and printed:

1. (``--rebuild``) rebuild the participation facts and store the national dashboards, as the
   Celery beat task does after each rebuild;
2. start gunicorn (``--workers``, default 5) on 127.0.0.1 with the production settings profile;
3. sign the demo ``auditor`` in (second factor passed) and run ``--users`` (default 20) client
   threads for ``--seconds`` (default 30), each requesting the dashboard with one single filter
   after another (no filter, each governorate, centre, course, session kind, generation, gender
   and programme year), keep-alive, no think time;
4. print p50/p95/p99 and requests per second, overall and per filter, and the errors.

The load prints the CPU time the gunicorn processes and the database's PostgreSQL backends
spent per request (read from /proc) and the load average before and after.

``--cold`` also times each single-filter dashboard computed from the facts without its stored
figures (what the first request after a rebuild would cost without the warm-up).

``--writes-every S`` runs the load as in service while records change: gunicorn gets a Redis broker
and cache, a Celery worker (1 process) renders retired pages again, and every S seconds this process
refreshes one random session's facts (what a saved session does), which retires every stored page.
It prints how many answers were retired pages marked as outdated and how many refreshes ran.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mps_bench_dashboard \\
        .venv/bin/python bench/dashboard.py --rebuild --cold
"""

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The production profile for the server (DEBUG off), without TLS: the load runs on loopback.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-dashboard-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
}
# This process signs the auditor's session: it must use the server's key.
os.environ["SECRET_KEY"] = SERVER_ENV["SECRET_KEY"]


def setup_django() -> None:
    import django

    django.setup()


def auditor_cookie() -> str:
    """A session for the demo auditor with the second factor passed, as the verify page leaves it."""
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
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def queries() -> list[tuple[str, str]]:
    """(filter kind, query string) of every single-filter dashboard."""
    from audit.warm import single_filter_slices

    names = {None: "none", "governorate_id": "governorate", "training_centre_id": "training_centre"}
    names |= {"course_id": "course", "year": "period: year", "quarter": "period: quarter"}
    return [(names.get(piece.column, piece.column), urlencode(piece.query)) for piece in single_filter_slices()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """The gunicorn master and workers, and the PostgreSQL backends serving this database."""
    from django.db import connection

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return [server.pid, *map(int, children)], backends


def stored(named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The queries whose dashboard figures are stored for the current facts version."""
    from django.http import QueryDict

    from audit.filters import FactFilter
    from audit.models import DashboardSnapshot
    from audit.selectors import AuditScope, snapshot_key
    from audit.services import facts_state

    scope, version, kept = AuditScope(everything=True), facts_state().version, []
    for name, query in named:
        filterset = FactFilter(QueryDict(query) if query else None, scope=scope)
        filterset.is_valid()
        key = snapshot_key(scope, filterset.cleaned if filterset.is_bound else {})
        if DashboardSnapshot.objects.filter(key=key, version=version).exists():
            kept.append((name, query))
    return kept


def rebuild() -> None:
    """Rebuild the facts, then warm every single-filter dashboard, as the beat task does; print the
    wall time and this process's CPU time of each step (the rest of the work is PostgreSQL's)."""
    from audit.services import facts_rebuild
    from audit.warm import snapshots_warm

    started, cpu = time.monotonic(), time.process_time()
    state = facts_rebuild()
    print(
        f"facts rebuilt: {state.rows:,} rows in {time.monotonic() - started:.1f} s "
        f"(this process's CPU {time.process_time() - cpu:.1f} s)"
    )
    started, cpu = time.monotonic(), time.process_time()
    count = snapshots_warm()
    print(
        f"warm-up: {count} single-filter dashboards computed, stored and rendered in "
        f"{time.monotonic() - started:.1f} s (this process's CPU {time.process_time() - cpu:.1f} s)"
    )


def cold(named: list[tuple[str, str]]) -> None:
    """Compute one dashboard per kind of filter from the facts (no stored figures used)."""
    from django.http import QueryDict

    from audit.filters import FactFilter
    from audit.selectors import AuditScope, dashboard_figures

    scope = AuditScope(everything=True)
    by_kind = defaultdict(list)
    sample = {name: query for name, query in reversed(named)}  # the first query of each kind
    for name, query in sample.items():
        filterset = FactFilter(QueryDict(query) if query else None, scope=scope)
        filterset.is_valid()
        started = time.monotonic()
        dashboard_figures(scope, filterset.qs, filterset.cleaned if filterset.is_bound else {})
        by_kind[name].append(time.monotonic() - started)
    print("cold computation from the facts (no stored figures), one dashboard per kind of filter:")
    for name, times in by_kind.items():
        print(f"  {name:<16} {times[0]:6.2f} s")


# With --writes-every: the broker and cache that gunicorn and the worker share (not the app's own).
WRITES_ENV = {
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/13",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "CELERY_TASK_ALWAYS_EAGER": "0",
}


def start_worker() -> subprocess.Popen:
    import redis

    for url in WRITES_ENV["CELERY_BROKER_URL"], WRITES_ENV["REDIS_URL"]:
        redis.Redis.from_url(url).flushdb()
    return subprocess.Popen(  # noqa: S603 — fixed arguments
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "-c", "1", "-l", "warning"],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV, **WRITES_ENV},
    )


def writer(every: float, stop: threading.Event, done: list[int]) -> None:
    """Refresh one random session's facts every ``every`` seconds, as a saved session does."""
    from django.db import connection

    from audit.services import sessions_facts_refresh
    from cascade.models import TrainingSession

    ids = list(TrainingSession.objects.values_list("id", flat=True)[:5000])
    rng = random.Random(7)
    while not stop.wait(every):
        sessions_facts_refresh(session_ids=[rng.choice(ids)])
        done.append(1)
    connection.close()


def start_server(port: int, workers: int, extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, **(extra_env or {})}
    process = subprocess.Popen(  # noqa: S603 — fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/audit/")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def load(port: int, cookie: str, named: list[tuple[str, str]], users: int, seconds: float, pids) -> None:
    results: list[tuple[str, float, int]] = []
    outdated: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        order = named[:]
        rng.shuffle(order)
        i = 0
        while time.monotonic() < stop_at:
            name, query = order[i % len(order)]
            i += 1
            started = time.monotonic()
            try:
                conn.request("GET", f"/audit/?{query}" if query else "/audit/", headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
                status = response.status if b'id="summary"' in body or response.status != 200 else 599
                if status == 200 and b'class="notice outdated"' in body:
                    outdated.append(1)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append((name, time.monotonic() - started, status))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    app_pids, db_pids = pids
    app_cpu, db_cpu, load_before = cpu_seconds(app_pids), cpu_seconds(db_pids), os.getloadavg()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    app_cpu, db_cpu = cpu_seconds(app_pids) - app_cpu, cpu_seconds(db_pids) - db_cpu

    ok = [r for r in results if r[2] == 200]
    errors = len(results) - len(ok)
    times = sorted(r[1] for r in ok)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")

    print(f"load: {users} users, {elapsed:.1f} s, {len(results):,} requests, {errors} errors")
    if outdated:
        print(f"  {len(outdated):,} answers were retired pages marked as outdated (a refresh queued meanwhile)")
    print(
        f"  all filters: p50 {pct(times, 0.50):.0f} ms  p95 {pct(times, 0.95):.0f} ms  p99 {pct(times, 0.99):.0f} ms  "
        f"{len(ok) / elapsed:.1f} requests/s"
    )
    if results:
        print(
            f"  CPU per request: {app_cpu / len(results) * 1000:.1f} ms in gunicorn, "
            f"{db_cpu / len(results) * 1000:.1f} ms in PostgreSQL"
        )
    print(f"  load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    by_name = defaultdict(list)
    for name, seconds_taken, _status in ok:
        by_name[name].append(seconds_taken)
    for name, values in sorted(by_name.items()):
        values.sort()
        print(f"  {name:<16} n={len(values):>5}  p50 {pct(values, 0.5):5.0f} ms  p95 {pct(values, 0.95):5.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the facts and store the dashboards first.")
    parser.add_argument("--cold", action="store_true", help="Also time each dashboard computed without stored figures.")
    parser.add_argument(
        "--writes-every",
        type=float,
        default=0.0,
        help="Refresh a random session's facts every S seconds during the load, with a Celery worker.",
    )
    parser.add_argument(
        "--stored-only", action="store_true", help="Load only the dashboards whose figures are stored already."
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database holding the --scale data set.")
    setup_django()
    from django.db import connection

    from audit.models import ParticipationFact
    from cascade.models import Participation
    from lms.models import Person

    print(
        f"data: {Person.objects.count():,} people, {Participation.objects.count():,} participations, "
        f"{ParticipationFact.objects.count():,} facts ({connection.vendor}); {os.cpu_count()} CPUs"
    )
    named = queries()
    if args.rebuild:
        rebuild()
    if args.cold:
        cold(named)
    if args.stored_only:
        named = stored(named)
        kinds = sorted({n for n, _q in named})
        print(f"loading the {len(named)} single-filter dashboards whose figures are stored ({', '.join(kinds)})")
    cookie = auditor_cookie()
    worker = start_worker() if args.writes_every else None
    server = start_server(args.port, args.workers, WRITES_ENV if args.writes_every else None)
    stop, writes = threading.Event(), []
    try:
        # One request per dashboard first: the connections and workers are up, as in service.
        load(args.port, cookie, named, min(args.users, 5), 3, server_pids(server))
        if args.writes_every:
            threading.Thread(target=writer, args=(args.writes_every, stop, writes), daemon=True).start()
            print(f"measured, a session's facts refreshed every {args.writes_every:g} s:")
        else:
            print("measured:")
        load(args.port, cookie, named, args.users, args.seconds, server_pids(server))
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
    if args.writes_every:
        print(f"sessions refreshed during the load: {len(writes)}")


if __name__ == "__main__":
    main()
