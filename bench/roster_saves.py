"""Concurrent saves of one roster on the production profile: latency and whether every mark is kept.

    .venv/bin/python bench/roster_saves.py                 # 20 clients, 5 rounds per mode

What it runs, in one go:

1. a scratch PostgreSQL database (``mps_bench_roster_<random>``, dropped at the end unless
   ``--keep-db``) built with ``manage.py migrate`` and ``manage.py demo_data`` (both timed);
2. the roster: the open cascade session led by the demo's ``trainer.a`` with the most people
   on it (at least ``--clients``); if the demo has none, one is opened today through
   ``cascade.services`` (``session_create``, then ``roster_record`` for its people) and the
   bench says so;
3. gunicorn (``--workers``, default 4) on 127.0.0.1 and one Celery worker on a queue of its own,
   both with the production settings profile (DEBUG off, Redis broker and cache), as
   ``bench/certificates.py`` starts them (its helpers are reused);
4. ``--clients`` (default 20) HTTP clients, each signed in as ``trainer.a`` through the real
   sign-in page (``/learn/sign-in/``, no second factor for trainers), each owning ONE participant
   of the roster. Per round, every client loads the session page (the roster form: its CSRF token
   and every row's current ticks, scores and outcome), changes its own participant's pre- and
   post-test scores and attendance days, and waits at a barrier; the posts are released together.
   The roster form posts every row of the roster (that is what the page's form does by default:
   the view reads one form per participant), so each client re-posts the whole roster as it
   loaded it, unchanged except for its one participant.
   After each round the database is read: every post answered with the redirect back to the
   session page (the acknowledged save) must have its participant's marks stored as posted.

Two modes, printed side by side, ``--rounds`` rounds each:

* ``together``: the 20 posts released at once by the barrier (the question: p95 under 1 s);
* ``one by one``: the same 20 saves, each client loading the page and posting in turn (no two
  saves at the same time): the latency of a save that does not wait for another one.

Before the load, one save of each kind is profiled in this process (Django's test client against
the same database, Redis broker and cache): a save of marks of people already on the roster, and
a save that adds a name. Each prints its time, its queries before the transaction, inside it and
after the commit (the audit's note and the queued refresh), the lock it takes on the session and
for how long it holds it (from the locking statement to the end of COMMIT), and the history rows
it writes.

A third line probes whether the view accepts a post of ONE row only (what a save that sends only
what changed would look like): one request, its answer printed.

Every request has a timeout (``--timeout``, default 30 s) and goes to 127.0.0.1 only; the run
stops by itself. Needs PostgreSQL (``BENCH_POSTGRES_URL``) and Redis (``BENCH_REDIS_URL``) as
``bench/certificates.py`` does; uses Redis databases 8 and 9.
"""

import argparse
import http.client
import importlib.util
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import astuple, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load_certificates_bench():
    """bench/certificates.py by path (its module name would clash with the ``certificates`` app)."""
    spec = importlib.util.spec_from_file_location("bench_certificates", ROOT / "bench" / "certificates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cb = _load_certificates_bench()
TRAINER = "trainer.a"
LOGIN_URL = "/learn/sign-in/"
TARGET_P95 = 1.0


def create_database() -> str:
    import psycopg

    name = f"mps_bench_roster_{secrets.token_hex(6)}"
    with psycopg.connect(cb.POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


# --- the roster form as the page gives it -----------------------------------------------------


class RosterFormParser(HTMLParser):
    """The fields the browser would post from ``<form id="roster">``: name → list of values."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.csrf = ""
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == "roster":
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if name == "csrfmiddlewaretoken":
                self.csrf = a.get("value", "")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a and not self.select_chosen:
                self.fields.append((self.select, value))
                self.select_chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self.fields.append((self.select, self.select_first))
            self.select = None
        elif tag == "form" and self.inside:
            self.inside = False


def roster_fields(html: str) -> tuple[str, list[tuple[str, str]]]:
    parser = RosterFormParser()
    parser.feed(html)
    if not parser.csrf:
        raise RuntimeError("the session page has no roster form (is the session open and editable?)")
    return parser.csrf, parser.fields


# --- one signed-in client -------------------------------------------------------------------


class Client:
    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | list | None = None) -> tuple[int, str, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def sign_in(self, password: str) -> None:
        _status, _location, page = self.request("GET", LOGIN_URL)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, location, _page = self.request(
            "POST", LOGIN_URL, {"csrfmiddlewaretoken": token, "username": TRAINER, "password": password}
        )
        if status != 302 or "sign-in" in location:
            raise RuntimeError(f"{TRAINER} could not sign in (HTTP {status}, {location})")


# --- the marks one client posts -------------------------------------------------------------


@dataclass
class Mark:
    person_id: int
    pre: Decimal
    post: Decimal
    days: tuple[date, ...]


@dataclass
class Save:
    client: int
    mark: Mark
    seconds: float = 0.0
    status: int = 0
    acknowledged: bool = False
    error: str = ""


@dataclass
class ModeResult:
    name: str
    saves: list[Save] = field(default_factory=list)
    lost: list[tuple[Save, str, list[str]]] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0


def mark_for(person_id: int, client: int, serial: int, past_days: list[date]) -> Mark:
    """Scores unique to (serial, client), and attendance alternating between all past days and all
    but the last, so that each round changes every mark."""
    pre = Decimal(f"{serial % 50 + 10}.{client:02d}")
    post = Decimal(f"{serial % 40 + 55}.{client:02d}")
    days = tuple(past_days if serial % 2 == 0 or len(past_days) < 2 else past_days[:-1])
    return Mark(person_id, pre, post, days)


def post_body(csrf: str, fields: list[tuple[str, str]], mark: Mark) -> list[tuple[str, str]]:
    """The page's form as loaded, with this client's participant's row changed."""
    prefix = f"p{mark.person_id}-"
    body = [(k, v) for k, v in fields if not k.startswith(prefix) or k == f"{prefix}outcome"]
    body += [(f"{prefix}days", d.isoformat()) for d in mark.days]
    body += [(f"{prefix}pre_score", str(mark.pre)), (f"{prefix}post_score", str(mark.post))]
    return [("csrfmiddlewaretoken", csrf), *[(k, v) for k, v in body if k != "csrfmiddlewaretoken"]]


def stored_marks(person_ids: list[int], session_id: int) -> dict[int, tuple[Decimal, Decimal, tuple[date, ...]]]:
    from cascade.models import AttendanceDay, Participation

    rows = Participation.objects.filter(session_id=session_id, person_id__in=person_ids)
    days: dict[int, list[date]] = {}
    for pid, day in AttendanceDay.objects.filter(participation__in=rows).values_list("participation__person_id", "day"):
        days.setdefault(pid, []).append(day)
    return {
        p.person_id: (p.pre_score, p.post_score, tuple(sorted(days.get(p.person_id, []))))
        for p in rows.only("person_id", "pre_score", "post_score")
    }


def check(saves: list[Save], session_id: int) -> list[tuple[Save, str, list[str]]]:
    """Acknowledged saves whose marks the database does not hold as posted."""
    from django.db import connection

    stored = stored_marks([s.mark.person_id for s in saves], session_id)
    connection.close()
    lost = []
    for save in saves:
        if not save.acknowledged:
            continue
        got = stored.get(save.mark.person_id)
        want = (save.mark.pre, save.mark.post, tuple(sorted(save.mark.days)))
        if got != want:
            fields = (["scores"] if got is None or got[:2] != want[:2] else []) + (
                ["days"] if got is None or got[2] != want[2] else []
            )
            lost.append((save, f"posted {fmt_mark(want)}, stored {fmt_mark(got) if got else 'nothing'}", fields))
    return lost


def fmt_mark(mark) -> str:
    pre, post, days = mark
    return f"pre {pre} post {post} days {len(days)}"


# --- the bench ------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.var_dir = Path(tempfile.mkdtemp(prefix="bench-roster-"))
        self.queue = f"bench-roster-{secrets.token_hex(4)}"
        self.db_name = ""
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.log = self.var_dir / "server.log"

    def prepare(self) -> None:
        self.db_name = create_database()
        env = cb.production_env(self.var_dir, cb.database_url_for(self.db_name), self.queue)
        env.update(REDIS_URL=f"{cb.REDIS_URL}/8", CELERY_BROKER_URL=f"{cb.REDIS_URL}/9")
        self.env = env
        os.environ.update(env)
        manage = [sys.executable, "manage.py"]
        print(f"database {self.db_name}; files in {self.var_dir}", flush=True)
        print(f"migrate: {cb.run([*manage, 'migrate', '--no-input', '-v', '0'], env):.0f} s", flush=True)
        print(f"demo_data: {cb.run([*manage, 'demo_data', '-v', '0'], env):.0f} s", flush=True)

        import django

        django.setup()

    # --- the roster --------------------------------------------------------------------------

    def pick_session(self):
        from django.contrib.auth import get_user_model
        from django.db.models import Count
        from django.utils import timezone

        from cascade import permissions
        from cascade.models import SessionKind, SessionStatus, TrainerRole, TrainingSession

        user = get_user_model().objects.get(username=TRAINER)
        trainer_id = permissions.trainer_person_id(user)
        candidates = (
            TrainingSession.objects.filter(
                kind=SessionKind.CASCADE,
                status=SessionStatus.OPEN,
                trainers__person_id=trainer_id,
                trainers__role=TrainerRole.LEAD,
            )
            .annotate(named=Count("participations", distinct=True))
            .filter(named__gte=self.args.clients)
            .order_by("-named", "pk")
        )
        session = next((s for s in candidates if permissions.can_edit_session(user, s)), None)
        if session is None:
            session = self.open_session(user, trainer_id)
            how = "opened today by this bench through cascade.services (the demo has none with enough people)"
        else:
            how = "from the demo data"
        session.refresh_from_db()
        people = list(session.participations.order_by("person_id").values_list("person_id", flat=True))
        today = timezone.localdate()
        past = [d for d in session.days if d <= today]
        print(
            f"roster: session {session.ref} ({session.course.code}, {session.start_date}–{session.end_date}), "
            f"{len(people)} people, {len(past)} day(s) up to today, lead trainer {TRAINER}; {how}",
            flush=True,
        )
        return session, people[: self.args.clients], past

    def open_session(self, user, trainer_id: int):
        from django.utils import timezone

        from cascade import services
        from cascade.models import Participation, SessionKind, TrainerRole
        from cascade.workspace.forms import qualified_courses, trainer_centres
        from lms.models import Person

        trainer = Person.objects.get(pk=trainer_id)
        today = timezone.localdate()
        centre = trainer_centres(trainer).order_by("code").first()
        last_error = None
        for course in qualified_courses(trainer).order_by("code"):
            try:
                session = services.session_create(
                    ref=services.session_ref_next(training_centre=centre, start_date=today - timedelta(days=2)),
                    course=course,
                    kind=SessionKind.CASCADE,
                    training_centre=centre,
                    start_date=today - timedelta(days=2),
                    end_date=today + timedelta(days=1),
                    lead_trainer=trainer,
                    created_by=user,
                )
            except Exception as error:  # noqa: BLE001 — try the trainer's next course
                last_error = error
                continue
            taken = Participation.objects.filter(session__course=course).values("person_id")
            people = (
                Person.objects.filter(governorate_id=centre.governorate_id, trainer_roles__isnull=True)
                .exclude(pk__in=taken)
                .exclude(pk=trainer_id)
                .order_by("pk")[: self.args.clients + 5]
            )
            services.roster_record(session=session, entries=[services.RosterEntry(person=p) for p in people])
            assert session.trainers.filter(person_id=trainer_id, role=TrainerRole.LEAD).exists()
            return session
        raise RuntimeError(f"{TRAINER} could not open a session: {last_error}")

    # --- processes ---------------------------------------------------------------------------

    def start(self) -> None:
        import redis

        for db in (8, 9):
            redis.Redis.from_url(f"{cb.REDIS_URL}/{db}").flushdb()
        with self.log.open("wb") as out:
            self.worker = subprocess.Popen(  # noqa: S603 — fixed arguments
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1"),
                    *("--queues", self.queue, "--hostname", f"{self.queue}@%h"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            self.server = subprocess.Popen(  # noqa: S603 — fixed arguments
                [
                    str(ROOT / ".venv" / "bin" / "gunicorn"),
                    "config.wsgi",
                    *("-w", str(self.args.workers), "-b", f"127.0.0.1:{self.args.port}"),
                    *("--timeout", "60", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                sys.exit(f"gunicorn stopped:\n{self.log.read_text()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=5)
                conn.request("GET", LOGIN_URL, headers={"Host": "127.0.0.1"})
                if conn.getresponse().status == 200 and len(cb.children(self.server.pid)) >= self.args.workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit(f"gunicorn did not answer within 90 s:\n{self.log.read_text()}")

    def cleanup(self) -> None:
        for process in (self.server, self.worker):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        try:
            import redis

            broker = redis.Redis.from_url(f"{cb.REDIS_URL}/9")
            broker.delete(self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
            for db in (8, 9):
                redis.Redis.from_url(f"{cb.REDIS_URL}/{db}").flushdb()
        except Exception as exc:  # noqa: BLE001 — cleaning up after a run that may have failed
            print(f"(could not empty the Redis databases: {exc})")
        if self.db_name and not self.args.keep_db:
            from django.db import connections

            connections.close_all()
            cb.drop_database(self.db_name)
        shutil.rmtree(self.var_dir, ignore_errors=True)

    # --- the load ----------------------------------------------------------------------------

    def one_save(self, client: Client, save: Save, path: str, barrier: threading.Barrier | None) -> None:
        try:
            _status, _location, page = client.request("GET", path)
            csrf, fields = roster_fields(page)
        except Exception as error:  # noqa: BLE001 — counted as an error of this save
            save.error = f"loading the page: {error}"
            if barrier:
                barrier.abort()
            return
        body = post_body(csrf, fields, save.mark)
        if barrier:
            try:
                barrier.wait(timeout=self.args.timeout * 2)
            except threading.BrokenBarrierError:
                save.error = "the barrier broke (another client failed to load the page)"
                return
        started = time.monotonic()
        try:
            status, location, text = client.request("POST", path, body)
        except (OSError, http.client.HTTPException) as error:
            save.seconds, save.error = time.monotonic() - started, f"{type(error).__name__}: {error}"
            return
        save.seconds, save.status = time.monotonic() - started, status
        save.acknowledged = status == 302 and location.rstrip("/").endswith(path.rstrip("/"))
        if not save.acknowledged:
            errors = re.findall(r'class="ws-error"[^>]*>([^<]+)<', text)
            save.error = f"HTTP {status} {location} {'; '.join(sorted(set(errors))[:3])}".strip()

    def run_mode(self, name: str, together: bool, clients, session, people, past, serial0: int) -> ModeResult:
        result = ModeResult(name, load_before=os.getloadavg()[0])
        path = self.session_path(session)
        for round_no in range(self.args.rounds):
            serial = serial0 + round_no
            saves = [Save(i, mark_for(pid, i, serial, past)) for i, pid in enumerate(people)]
            if together:
                barrier = threading.Barrier(len(saves))
                threads = [
                    threading.Thread(target=self.one_save, args=(clients[s.client], s, path, barrier)) for s in saves
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=self.args.timeout * 4)
            else:
                for save in saves:
                    self.one_save(clients[save.client], save, path, None)
            result.saves += saves
            result.lost += check(saves, session.pk)
        result.load_after = os.getloadavg()[0]
        return result

    def session_path(self, session) -> str:
        from django.urls import reverse

        return reverse("cascade:workspace_session", args=[session.pk])

    def profile(self, session, people: list[int], past: list[date]) -> None:
        """One save of marks and one save that adds a name, each profiled (``profile_save``)."""
        from django.urls import reverse

        from cascade.models import Participation
        from lms.models import Person

        path = self.session_path(session)

        stored = fmt_mark(stored_marks([people[0]], session.pk)[people[0]])
        # marks that differ from the stored ones, so that the save writes
        serial = next(n for n in range(900, 999) if fmt_mark(astuple(mark_for(people[0], 0, n, past))[1:]) != stored)

        def marks(page: str) -> list[tuple[str, str]]:
            csrf, fields = roster_fields(page)
            return post_body(csrf, fields, mark_for(people[0], 0, serial, past))

        print(f"one save of one participant's marks: {profile_save(path, marks)}", flush=True)
        taken = Participation.objects.filter(session__course=session.course).values("person_id")
        newcomer = (
            Person.objects.filter(governorate_id=session.governorate_id, trainer_roles__isnull=True)
            .exclude(pk__in=taken)
            .order_by("pk")
            .first()
        )
        if newcomer is None:
            print("one save that adds a name: no one left to add")
            return
        add = reverse("cascade:workspace_participant_add", args=[session.pk])

        def name(page: str) -> list[tuple[str, str]]:
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            return [("csrfmiddlewaretoken", csrf), ("person", str(newcomer.pk))]

        print(f"one save that adds a name to the roster:  {profile_save(add, name)}", flush=True)

    def probe_one_row(self, client: Client, session, person_id: int) -> str:
        path = self.session_path(session)
        _status, _location, page = client.request("GET", path)
        csrf, fields = roster_fields(page)
        prefix = f"p{person_id}-"
        body = [("csrfmiddlewaretoken", csrf), *[(k, v) for k, v in fields if k.startswith(prefix)]]
        status, location, text = client.request("POST", path, body)
        if status == 302:
            return f"HTTP 302 to {location} (accepted)"
        errors = sorted(set(re.findall(r'class="ws-error"[^>]*>([^<]+)<', text)))
        return f"HTTP {status}, not saved; {len(re.findall('ws-field-error', text))} rows marked, errors: {errors[:2]}"


# --- one save, profiled ------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    started: float
    ended: float


def profile_save(path: str, make_body) -> str:
    """POST to ``path`` once through Django's test client, recording every statement's times.

    ``make_body(page)`` gives the post from the page as loaded (a GET of ``path``)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as DjangoClient

    from ops.models import TRACKED_MODELS

    statements: list[Statement] = []

    class Record(logging.Handler):
        """Django logs every statement, BEGIN and COMMIT included, with its duration, as it ends."""

        def emit(self, record: logging.LogRecord) -> None:
            ended = time.perf_counter()
            statements.append(Statement(record.sql, ended - record.duration, ended))

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=TRAINER))
    client.get(path)  # warm: the first request of a process loads templates and translations
    body = make_body(client.get(path).content.decode())
    history_tables = {model.history.model._meta.db_table for model in TRACKED_MODELS}
    logger, handler = logging.getLogger("django.db.backends"), Record(logging.DEBUG)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    connection.force_debug_cursor = True
    try:
        started = time.perf_counter()
        response = client.post(path, data=urlencode(body), content_type="application/x-www-form-urlencoded")
        total = time.perf_counter() - started
    finally:
        connection.force_debug_cursor = False
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    connection.close()
    begin = next((i for i, s in enumerate(statements) if s.sql.startswith("BEGIN")), None)
    commit = next((i for i, s in enumerate(statements) if s.sql.startswith("COMMIT")), None)
    lock = next((i for i, s in enumerate(statements) if "cascade_trainingsession" in s.sql and " FOR " in s.sql), None)
    if response.status_code != 302 or begin is None or commit is None:
        return f"HTTP {response.status_code}, {len(statements)} statements (no write?)"
    mode = "none"
    held = 0.0
    if lock is not None:
        mode = "FOR SHARE (shared)" if "FOR SHARE" in statements[lock].sql else "FOR UPDATE (exclusive)"
        held = statements[commit].ended - statements[lock].started
    inside = statements[begin : commit + 1]
    history = sum(1 for s in inside if s.sql.startswith("INSERT") and any(t in s.sql for t in history_tables))
    after = statements[commit + 1 :]
    return (
        f"{total * 1000:.0f} ms; {begin} queries before the transaction, {len(inside)} in it "
        f"({(statements[commit].ended - statements[begin].started) * 1000:.0f} ms), {len(after)} after the commit "
        f"({(after[-1].ended - after[0].started) * 1000 if after else 0:.0f} ms); session lock {mode}"
        + (f" held {held * 1000:.0f} ms" if lock is not None else "")
        + f"; {history} history INSERT(s)"
    )


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def report(results: list[ModeResult], clients: int) -> None:
    print()
    print(f"{'mode':<12} {'saves':>5} {'ok':>4} {'errors':>6} {'p50':>7} {'p95':>7} {'max':>7}  lost marks  load avg")
    for r in results:
        ok = [s.seconds for s in r.saves if s.acknowledged]
        errors = [s for s in r.saves if not s.acknowledged]
        print(
            f"{r.name:<12} {len(r.saves):>5} {len(ok):>4} {len(errors):>6} {pct(ok, 0.5):>6.2f}s "
            f"{pct(ok, 0.95):>6.2f}s {max(ok, default=float('nan')):>6.2f}s  {len(r.lost):>10}  "
            f"{r.load_before:.1f}→{r.load_after:.1f}"
        )
    for r in results:
        if r.lost:
            scores = sum(1 for _save, _what, fields in r.lost if "scores" in fields)
            days = sum(1 for _save, _what, fields in r.lost if "days" in fields)
            print(f"  {r.name}: lost marks: {scores} with other scores stored, {days} with other attendance days")
        for save in [s for s in r.saves if not s.acknowledged][:5]:
            print(f"  {r.name}: client {save.client} not acknowledged: {save.error}")
        for save, what, _fields in r.lost[:3]:
            print(f"  {r.name}: client {save.client}'s acknowledged mark lost: {what}")
    together = results[0]
    ok = [s.seconds for s in together.saves if s.acknowledged]
    met = ok and pct(ok, 0.95) < TARGET_P95
    print(
        f"\n{clients} concurrent saves: p95 {pct(ok, 0.95):.2f} s — target under {TARGET_P95:.0f} s "
        f"{'MET' if met else 'NOT MET'}; acknowledged marks stored: "
        f"{len(ok) - len(together.lost)}/{len(ok)} {'(all)' if not together.lost else '(SOME LOST)'}"
    )


def main() -> None:
    args = parse_args()
    bench = Bench(args)
    started = time.monotonic()
    try:
        bench.prepare()
        session, people, past = bench.pick_session()
        if len(people) < args.clients:
            sys.exit(f"the roster has {len(people)} people, fewer than --clients {args.clients}")
        bench.profile(session, people, past)
        bench.start()
        clients = [Client(args.port, args.timeout) for _ in people]
        for client in clients:
            client.sign_in(cb_password())
        print(f"{len(clients)} clients signed in as {TRAINER}; gunicorn -w {args.workers}, Celery worker -c 1")
        print(f"uptime before: {uptime()}")
        results = [
            bench.run_mode("together", True, clients, session, people, past, serial0=0),
            bench.run_mode("one by one", False, clients, session, people, past, serial0=100),
        ]
        print(f"uptime after: {uptime()}")
        report(results, len(clients))
        probe = bench.probe_one_row(clients[0], session, people[0])
        print(f"one row only (the other rows left out of the post): {probe}")
    finally:
        bench.cleanup()
    print(f"whole run: {time.monotonic() - started:.0f} s")


def uptime() -> str:
    """``uptime`` in UTC (Django set this process's TZ to the project's time zone)."""
    return subprocess.run(["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()  # noqa: S603, S607


def cb_password() -> str:
    from cascade.demo.accounts import DEMO_PASSWORD

    return DEMO_PASSWORD


if __name__ == "__main__":
    main()
