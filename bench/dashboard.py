"""Load test of the directorate audit dashboard: random filter combinations, first requests only,
for the national auditor, two governorate officers and two centre managers, against this code and
(optionally) another checkout of the project in the same run.

Each target is a project checkout with a database of its own (PostgreSQL or SQLite holding a
``manage.py demo_data --scale N`` build). For each target, in turn:

1. (``--rebuild``) rebuild the participation facts (and, where the checkout has them, the summary
   cells the dashboard reads), timed, then store the national single-filter dashboards as the
   rebuild task does, timed;
2. drop every stored dashboard page and figure (an earlier run's), and prepare the five signed-in
   accounts (second factor passed): ``auditor``, ``officer.ninewa``, a second governorate officer
   (Baghdad, created here when missing), ``manager.baghdad`` and ``manager.basra``;
3. start gunicorn (``--workers``) on 127.0.0.1 with the production settings profile;
4. run ``--users`` (default 20) client threads, ``users / 5`` per role, each requesting
   ``--requests`` dashboards with a random combination of two to four filters drawn from what the
   role may filter by (trained in, serves in, centre, course, kind, generation, gender, a period
   of random days or a programme year). Every combination is drawn once: no request can be
   answered by a page stored before it (pre-rendered or by an earlier request). Between requests
   a user reads the page for a random think time (exponential, mean ``--think`` seconds; 0 for
   back-to-back requests).

The same seed draws the same combinations for every target, so the figures printed side by side
(p50, p95 and max per role, requests per second, errors) compare the same requests. The load
average is printed before and after each load.

    .venv/bin/python bench/dashboard.py --rebuild \\
        --target new=.:postgres://postgres@127.0.0.1:5432/dash_s56 \\
        --target before=/tmp/before:postgres://postgres@127.0.0.1:5432/dash_s56_before
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# The production profile for the server (DEBUG off), without TLS: the load runs on loopback.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-dashboard-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
}
ROLES = ("auditor", "officer.ninewa", "officer.baghdad", "manager.baghdad", "manager.basra")
SECOND_OFFICER = ("officer.baghdad", "BG")


# --- run inside a target's checkout (``--prepare``, ``--rebuild-only``) ------------------------


def _setup_django(root: Path) -> None:
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SECRET_KEY"] = SERVER_ENV["SECRET_KEY"]
    import django

    django.setup()


def prepare() -> dict:
    """Signed-in sessions for the five roles, and what each may filter by (printed as JSON)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from audit.models import DashboardPage, DashboardSnapshot
    from audit.selectors import audit_scope_for
    from courses.models import Course
    from lms.models import Governorate, StaffScope

    # No stored figures or pages from an earlier run: every request of the load computes its own.
    DashboardPage.objects.all().delete()
    DashboardSnapshot.objects.all().delete()
    User = get_user_model()  # noqa: N806
    username, code = SECOND_OFFICER
    if not User.objects.filter(username=username).exists():
        model = User.objects.get(username="officer.ninewa")
        user = User.objects.create(username=username, email=f"{username}@bench.invalid", is_staff=model.is_staff)
        user.groups.set(model.groups.all())
        StaffScope.objects.create(user=user, governorate=Governorate.objects.get(code=code))
    result = {"courses": list(Course.objects.values_list("pk", flat=True)), "roles": {}}
    for name in ROLES:
        user = User.objects.get(username=name)
        client = Client()
        client.force_login(user)
        device, _created = StaticDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        scope = audit_scope_for(user)
        result["roles"][name] = {
            "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
            "governorates": list(scope.governorates().values_list("pk", flat=True)),
            "centres": list(scope.centres().values_list("pk", flat=True)),
            "serves_in": list(Governorate.objects.values_list("pk", flat=True)),
        }
    return result


def rebuild() -> None:
    """Rebuild the facts (and the summary cells, where the checkout has them), then store the
    national single-filter dashboards; print the time of each step."""
    from django.db import connection

    from audit.services import facts_rebuild
    from audit.warm import snapshots_warm

    started = time.monotonic()
    state = facts_rebuild()
    cells = ""
    if hasattr(state, "cells_complete"):
        from audit.models import FigureCell

        cells = f", {FigureCell.objects.count():,} summary cells"
    print(
        f"    facts rebuilt{' with their summary cells' if cells else ''}: {state.rows:,} facts{cells} in "
        f"{time.monotonic() - started:.1f} s ({connection.vendor}; load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    started = time.monotonic()
    count = snapshots_warm()
    print(
        f"    national single-filter dashboards stored: {count} in {time.monotonic() - started:.1f} s "
        f"(load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )


# --- the load ---------------------------------------------------------------------------------


def _in_target(root: Path, database: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database, "BENCH_APP_ROOT": str(root)}
    return subprocess.run(  # noqa: S603 — fixed arguments
        [str(ROOT / ".venv" / "bin" / "python"), str(Path(__file__).resolve()), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def combinations(info: dict, per_role: int, seed: int) -> dict[str, list[str]]:
    """``per_role`` distinct random filter combinations (two to four filters) for each role."""
    rng = random.Random(seed)
    result = {}
    for name in ROLES:
        role = info["roles"][name]
        draw = {
            "governorate": lambda r=role: rng.choice(r["governorates"]),
            "serves_in": lambda r=role: rng.choice(r["serves_in"]),
            "training_centre": lambda r=role: rng.choice(r["centres"]),
            "course": lambda: rng.choice(info["courses"]),
            "kind": lambda: rng.choice(["tot", "cascade", "direct"]),
            "generation": lambda: str(rng.randint(1, 3)),
            "gender": lambda: rng.choice("MF"),
            "period": lambda: None,
        }
        seen, queries = set(), []
        while len(queries) < per_role:
            chosen = rng.sample(sorted(draw), rng.randint(2, 4))
            query = {}
            for filter_name in chosen:
                if filter_name == "period":
                    if rng.random() < 0.3:
                        year = rng.randint(2020, 2024)
                        query |= {"period_after": f"{year}-01-01", "period_before": f"{year}-12-31"}
                    else:
                        first = date(2020, 1, 1) + timedelta(days=rng.randint(0, 1500))
                        last = first + timedelta(days=rng.randint(20, 700))
                        query["period_after"], query["period_before"] = first.isoformat(), last.isoformat()
                else:
                    query[filter_name] = str(draw[filter_name]())
            text = urlencode(sorted(query.items()))
            if text not in seen:
                seen.add(text)
                queries.append(text)
        result[name] = queries
    return result


def start_server(root: Path, database: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database}
    process = subprocess.Popen(  # noqa: S603 — fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"),
        ],
        cwd=root,
        env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/live")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def warm_up(port: int, cookies: dict[str, str]) -> None:
    """One request per worker and role (the dashboard's form page, no figures): processes loaded,
    database connections open, as in service."""
    for cookie in cookies.values():
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", "/audit/records/?measure=none", headers={"Cookie": cookie})
            conn.getresponse().read()
            conn.close()


def load(port: int, cookies: dict[str, str], queries: dict[str, list[str]], users: int, per_user: int, think: float):
    """Run the users; return [(role, seconds, status)] and the wall time."""
    results: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    per_role = users // len(ROLES)

    def user(role: str, n: int) -> None:
        rng = random.Random(f"{role}-{n}")
        mine = queries[role][n * per_user : (n + 1) * per_user]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        found = []
        time.sleep(rng.uniform(0, think) if think else 0)
        for query in mine:
            started = time.monotonic()
            try:
                conn.request("GET", f"/audit/?{query}", headers={"Cookie": cookies[role]})
                response = conn.getresponse()
                body = response.read()
                status = response.status if b'id="summary"' in body or response.status != 200 else 599
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status = 0
            found.append((role, time.monotonic() - started, status))
            if think:
                time.sleep(rng.expovariate(1 / think))
        with lock:
            results.extend(found)

    threads = [threading.Thread(target=user, args=(role, n)) for role in ROLES for n in range(per_role)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


def summary(results: list[tuple[str, float, int]]) -> dict[str, dict]:
    by_role = defaultdict(list)
    errors = defaultdict(int)
    for role, seconds, status in results:
        if status == 200:
            by_role[role].append(seconds)
        else:
            errors[role] += 1
    figures = {}
    for role in (*ROLES, "all"):
        times = [t for r in ROLES for t in by_role[r]] if role == "all" else by_role[role]
        figures[role] = {
            "n": len(times),
            "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95),
            "max": max(times) * 1000 if times else float("nan"),
            "errors": sum(errors.values()) if role == "all" else errors[role],
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target",
        action="append",
        required=True,
        help="NAME=CHECKOUT:DATABASE_URL (a project checkout and its own database); repeat to compare.",
    )
    parser.add_argument("--users", type=int, default=20, help="Concurrent users, shared equally by the five roles.")
    parser.add_argument("--requests", type=int, default=12, help="Dashboards each user requests.")
    parser.add_argument("--think", type=float, default=3.0, help="Mean think time between requests (s); 0: none.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild facts and stored dashboards first (timed).")
    args = parser.parse_args()
    if args.users % len(ROLES):
        sys.exit(f"--users must be a multiple of {len(ROLES)} (the roles share them equally).")
    targets = []
    for spec in args.target:
        name, _eq, rest = spec.partition("=")
        root, _colon, database = rest.partition(":")
        targets.append((name, Path(root).resolve(), database))
    per_role = args.users // len(ROLES) * args.requests
    print(
        f"{args.users} users ({args.users // len(ROLES)} per role), {args.requests} dashboards each, think time "
        f"{'exponential, mean ' + format(args.think, 'g') + ' s' if args.think else 'none'}; "
        f"{per_role} distinct filter combinations per role, {per_role * len(ROLES)} in all; "
        f"gunicorn -w {args.workers}; {os.cpu_count()} CPUs",
        flush=True,
    )
    table = {}
    for name, root, database in targets:
        print(f"\n[{name}] {root} · {database.split('@')[-1]}", flush=True)
        if args.rebuild:
            done = _in_target(root, database, "--rebuild-only")
            print(done.stdout, end="", flush=True)
            if done.returncode:
                sys.exit(done.stderr[-3000:])
        done = _in_target(root, database, "--prepare")
        if done.returncode:
            sys.exit(done.stderr[-3000:])
        info = json.loads(done.stdout.strip().splitlines()[-1])
        queries = combinations(info, per_role, args.seed)
        cookies = {role: info["roles"][role]["cookie"] for role in ROLES}
        server = start_server(root, database, args.port, args.workers)
        try:
            warm_up(args.port, cookies)
            before = os.getloadavg()
            results, elapsed = load(args.port, cookies, queries, args.users, args.requests, args.think)
            after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=60)
        figures = summary(results)
        table[name] = figures
        print(
            f"    {len(results)} requests in {elapsed:.1f} s ({len(results) / elapsed:.1f}/s); "
            f"load average before {before[0]:.2f}, after {after[0]:.2f}",
            flush=True,
        )
        for role in (*ROLES, "all"):
            f = figures[role]
            print(
                f"    {role:<16} n={f['n']:>4}  p50 {f['p50']:7.0f} ms  p95 {f['p95']:7.0f} ms  "
                f"max {f['max']:7.0f} ms  errors {f['errors']}",
                flush=True,
            )
    if len(table) > 1:
        names = list(table)
        print("\nside by side (p50 / p95 / max, ms):")
        print(f"    {'role':<16}" + "".join(f"{n:>26}" for n in names))
        for role in (*ROLES, "all"):
            shown = [
                f"{table[n][role]['p50']:.0f} / {table[n][role]['p95']:.0f} / {table[n][role]['max']:.0f}"
                for n in names
            ]
            print(f"    {role:<16}" + "".join(f"{c:>26}" for c in shown))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--prepare", "--rebuild-only"):
        _setup_django(Path(os.environ.get("BENCH_APP_ROOT", ROOT)))
        if sys.argv[1] == "--prepare":
            print(json.dumps(prepare()))
        else:
            rebuild()
    else:
        main()
