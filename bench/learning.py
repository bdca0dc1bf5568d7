"""Lesson-completion throughput on the production profile: gunicorn + PostgreSQL (+ Redis cache).

    .venv/bin/python bench/learning.py [--seconds 30] [--learners 1000] [--concurrency 20] [--workers 4]

What it does:
1. (Re)creates its own database ``mps_bench_learning`` on PostgreSQL at 127.0.0.1:5432 (user
   postgres), migrates it and loads course MPS-01 (4 modules, 8 lessons) with the site's loader.
2. Creates ``--learners`` trainees enrolled in MPS-01 with the pre-test done, and a signed-in
   session for each (no password hashing in the measured part: sessions are created directly).
   Module quizzes are not required for the bench course, so every lesson can be reached in order.
3. Starts gunicorn (``--workers``, DEBUG=0) on 127.0.0.1:8791 against that database, with the
   cache on Redis when it answers at 127.0.0.1:6379 (database 9).
4. ``--concurrency`` client threads post lesson completions exactly as lesson.js does
   (``Accept: application/json``, CSRF header) for at most ``--seconds`` (bounded to 30): each
   learner reads its lessons in order, then repeats them (the idempotent path a retry takes).
5. Prints requests/s, latency percentiles, how many posts created a record and how many were
   repeats, and any errors; stops gunicorn.
"""

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "mps_bench_learning"
PG = "postgres://postgres@127.0.0.1:5432"
PORT = 8791
COURSE = "MPS-01"
MAX_SECONDS = 30


def redis_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def production_env() -> dict[str, str]:
    env = {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",  # plain http on loopback
        "STATIC_MANIFEST": "0",  # no collectstatic needed for a JSON endpoint
        "LOG_LEVEL": "WARNING",
    }
    if redis_available():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def prepare(learners: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Migrate, load the course, create learners; return (course code, [(session key, csrf)], lesson paths)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from courses.models import Course
    from lms.models import CompletionRule, Enrolment, Governorate, Person, QuizAttempt, QuizKind
    from lms.outline import course_plan

    call_command("migrate", verbosity=0)
    call_command("load_courses", "--course", COURSE, verbosity=0)
    cache.clear()
    course = Course.objects.get(code=COURSE)
    CompletionRule.objects.update_or_create(course=course, defaults={"require_module_quizzes": False})
    plan = course_plan(course)
    paths = [reverse("lms:lesson_complete", args=[COURSE, lesson.key]) for lesson in plan.lessons]

    User = get_user_model()
    unusable = make_password(None)
    governorate = Governorate.objects.get(code="BG")
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(User(username=f"bench-{n:05d}", password=unusable) for n in range(learners))
        people = Person.objects.bulk_create(
            Person(
                service_number=f"BENCH-{n:05d}",
                name_ar=f"متدرب {n}",
                name_ar_normalized=f"متدرب {n}",
                gender="M",
                governorate=governorate,
                user=user,
            )
            for n, user in enumerate(users)
        )
        enrolments = Enrolment.objects.bulk_create(Enrolment(person=person, course=course) for person in people)
        QuizAttempt.objects.bulk_create(
            QuizAttempt(
                enrolment=enrolment,
                kind=QuizKind.PRE_TEST,
                number=1,
                token=uuid.uuid4(),
                submitted_at=now,
                score=40,
                passed=False,
            )
            for enrolment in enrolments
        )
    sessions = []
    for user in users:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        sessions.append((session.session_key, secrets.token_hex(16)))  # 32-char CSRF secret
    return COURSE, sessions, paths


def start_gunicorn(env: dict[str, str], workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            requests.get(f"http://127.0.0.1:{PORT}/learn/sign-in/", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def run_load(sessions, paths, *, concurrency: int, seconds: float) -> dict:
    import requests

    latencies: list[float] = []
    outcome = {"created": 0, "repeated": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        http = requests.Session()
        mine = [s for n, s in enumerate(sessions) if n % concurrency == index]
        progress = [0] * len(mine)
        turn = 0
        local, created, repeated, errors = [], 0, 0, 0
        while time.monotonic() < stop_at:
            who = turn % len(mine)
            session_key, csrf = mine[who]
            path = paths[progress[who] % len(paths)]
            progress[who] += 1
            turn += 1
            started = time.perf_counter()
            try:
                response = http.post(
                    f"http://127.0.0.1:{PORT}{path}",
                    data={"method": "scrolled", "csrfmiddlewaretoken": csrf},
                    headers={"Accept": "application/json", "X-CSRFToken": csrf},
                    cookies={"sessionid": session_key, "csrftoken": csrf},
                    timeout=30,
                )
                elapsed = time.perf_counter() - started
                if response.status_code == 200:
                    local.append(elapsed)
                    if response.json().get("created"):
                        created += 1
                    else:
                        repeated += 1
                else:
                    errors += 1
            except requests.RequestException:
                errors += 1
        with lock:
            latencies.extend(local)
            outcome["created"] += created
            outcome["repeated"] += repeated
            outcome["errors"] += errors

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome["elapsed"] = time.monotonic() - began
    outcome["latencies"] = sorted(latencies)
    return outcome


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=MAX_SECONDS)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)

    # A terminated run still stops its gunicorn (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    env = production_env()
    os.environ.update(env)
    print(f"Preparing {DB_NAME} ({args.learners} learners, course {COURSE}) …", flush=True)
    recreate_database()
    _code, sessions, paths = prepare(args.learners)
    from django.db import connections

    connections.close_all()
    load_before = os.getloadavg()[0]
    server = start_gunicorn(env, args.workers)
    try:
        print(
            f"gunicorn -w {args.workers} on 127.0.0.1:{PORT}, PostgreSQL, cache: "
            f"{'Redis' if 'REDIS_URL' in env else 'local memory'}; {args.concurrency} concurrent learners "
            f"for {seconds:.0f} s …",
            flush=True,
        )
        result = run_load(sessions, paths, concurrency=args.concurrency, seconds=seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lat = result["latencies"]
    total = len(lat)
    print(f"lesson completions: {total} answered 200 in {result['elapsed']:.1f} s")
    print(f"  requests/s: {total / result['elapsed']:.1f}")
    print(
        f"  latency ms: p50 {percentile(lat, 0.5) * 1000:.1f}  p95 {percentile(lat, 0.95) * 1000:.1f}  "
        f"p99 {percentile(lat, 0.99) * 1000:.1f}  mean {statistics.fmean(lat) * 1000 if lat else float('nan'):.1f}"
    )
    print(f"  new records: {result['created']}  idempotent repeats: {result['repeated']}  errors: {result['errors']}")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the run (client and server share them)"
    )


if __name__ == "__main__":
    main()
