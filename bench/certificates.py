"""Certificates for the whole programme, measured end to end on the production profile.

    .venv/bin/python bench/certificates.py --all            # every completed participation
    .venv/bin/python bench/certificates.py --limit 300      # a quick check of the same path

What it runs, in one go, and prints side by side:

(1) the real path: ``certificates.services.batch_start`` for the whole programme, as the
    Directorate starts it from the batch page, with a Celery worker of ``--workers`` processes
    (prefork) started by this script on a queue of its own, through Redis, on PostgreSQL, with
    the production settings profile (DEBUG off). The clock runs from ``batch_start`` until the
    batch is *done*: dispatch, every chunk task (issue, render, store each PDF), the progress
    recounts and the ZIP of every PDF (a folder per centre). It then opens the ZIP and checks it
    holds one PDF per completed participation.
(2) the baseline: the same certificates rendered in this one process, one after another, with
    WeasyPrint's defaults: ``HTML(string=…).write_pdf(stylesheets=[CSS(string=…)])`` per layer
    of each certificate, so WeasyPrint's full user-agent style sheet, a new font configuration
    per document, nothing shared between certificates (no per-process renderer, no cached
    backgrounds, no chunk laid out as one document); the two layers are merged as the product
    does (pikepdf). Nothing is stored.

Printed for each: certificates, wall time, certificates per second, CPU time per certificate
(the worker processes' from /proc, and PostgreSQL's backends for (1); this process's for (2)),
memory (the worker processes' resident set at the start, halfway, at the end and the highest
seen; this process's for (2)); then the ratio, and whether (1) met the target (the whole
programme in under 15 minutes).

Data: a scratch PostgreSQL database (``mps_bench_certificates_<random>``, dropped at the end
unless ``--keep-db``) built with ``manage.py migrate`` and ``manage.py demo_data`` (timed and
printed too), or an existing one given with ``--database-url`` (then nothing is built or
dropped, but the run deletes every certificate and batch in it first). ``--limit N`` keeps only
the first N completed participations eligible: the scratch database's other completed
participations are marked incomplete before the run (never use it on a database you keep).
``--baseline-limit M`` renders only the first M certificates for (2) (its figures are then
for M certificates, and say so). Needs PostgreSQL (``BENCH_POSTGRES_URL``, default
postgresql://postgres@127.0.0.1:5432/postgres) and Redis (``BENCH_REDIS_URL``, default
redis://127.0.0.1:6379, databases 10 and 11). Files go to a temporary directory, removed at
the end unless ``--keep-files``.
"""

import argparse
import io
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
TARGET_SECONDS = 15 * 60
# Without progress for this long the run stops with the worker's log (unattended runs end).
STALL_SECONDS = 900


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--all", action="store_true", help="every completed participation of the demo programme")
    size.add_argument("--limit", type=int, help="only the first N completed participations (scratch data)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--baseline-limit", type=int, default=0, help="render only the first M for the baseline")
    parser.add_argument("--scale", type=int, default=1, help="demo_data --scale (default 1)")
    parser.add_argument("--database-url", default="", help="an existing database (not built, not dropped)")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    parser.add_argument("--keep-files", action="store_true", help="keep the PDFs, the ZIP and the worker's log")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=0,
        help="pause the batch after this many seconds and report what was measured until then (a loaded machine)",
    )
    return parser.parse_args()


def production_env(var_dir: Path, database_url: str, queue: str) -> dict[str, str]:
    """The production profile (DEBUG off, PostgreSQL, Redis broker and cache), files under var_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        DEBUG="0",
        SECRET_KEY="bench-certificates-not-secret-" + secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
        VAR_DIR=str(var_dir),
        CERTIFICATE_ROOT=str(var_dir / "private"),
        DATABASE_URL=database_url,
        REDIS_URL=f"{REDIS_URL}/10",
        CELERY_BROKER_URL=f"{REDIS_URL}/11",
        CELERY_TASK_ALWAYS_EAGER="0",
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    return env


def proc_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def postgres_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def run(argv: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return time.monotonic() - started


def create_database() -> str:
    import psycopg

    name = f"mps_bench_certificates_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url_for(name: str) -> str:
    base, _slash, _db = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


def fmt_mib(values: list[float]) -> str:
    return " + ".join(f"{v:.0f}" for v in values) + " MiB" if values else "–"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.var_dir = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
        self.queue = f"bench-certificates-{secrets.token_hex(4)}"
        self.db_name = ""
        self.worker: subprocess.Popen | None = None
        self.log = self.var_dir / "worker.log"
        self.lines: list[str] = []

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    # --- set-up --------------------------------------------------------------------------

    def prepare(self) -> None:
        if self.args.database_url:
            database_url = self.args.database_url
        else:
            self.db_name = create_database()
            database_url = database_url_for(self.db_name)
        self.env = production_env(self.var_dir, database_url, self.queue)
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        manage = [sys.executable, "manage.py"]
        self.say(f"files in {self.var_dir}; database {self.db_name or database_url}")
        self.say(f"migrate: {run([*manage, 'migrate', '--no-input', '-v', '0'], self.env):.0f} s")
        if not self.args.database_url:
            built = run([*manage, "demo_data", "--scale", str(self.args.scale), "-v", "0"], self.env)
            self.say(f"demo_data --scale {self.args.scale}: {built:.0f} s")

        import django

        django.setup()
        from cascade.models import Outcome
        from certificates.models import Certificate, CertificateBatch
        from certificates.selectors import eligible_participations

        # A clean start: no certificate or batch (the same database may be used twice).
        CertificateBatch.objects.all().delete()
        Certificate.objects.update(replaces=None)
        Certificate.objects.all().delete()
        eligible = eligible_participations()
        self.say(f"completed participations in closed sessions: {eligible.count():,}")
        if self.args.limit is not None:
            kept = list(eligible.order_by("pk").values_list("pk", flat=True)[: self.args.limit])
            eligible.exclude(pk__in=kept).update(outcome=Outcome.INCOMPLETE)
            self.say(f"--limit {self.args.limit}: the others are marked incomplete in this scratch database")
        self.total = eligible_participations().count()

    def start_worker(self) -> None:
        argv = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"),
            *(f"--concurrency={self.args.workers}", "--queues", self.queue, "--hostname", f"{self.queue}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"),
        ]
        with self.log.open("wb") as out:
            self.worker = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 120
        while len(children(self.worker.pid)) < self.args.workers:
            if time.monotonic() > deadline or self.worker.poll() is not None:
                sys.exit(f"the worker did not start:\n{self.log.read_text()}")
            time.sleep(0.2)
        time.sleep(2)  # the processes finish importing

    def worker_pids(self) -> list[int]:
        return [self.worker.pid, *children(self.worker.pid)]

    def worker_rss(self) -> list[float]:
        return [rss_mib(pid) for pid in children(self.worker.pid)]

    # --- (1) the batch path ----------------------------------------------------------------

    def batch_path(self) -> dict:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from certificates import services
        from certificates.models import BatchScope, BatchStatus, Certificate, CertificateBatch
        from lms.roles import ADMINISTRATOR

        user, _created = get_user_model().objects.get_or_create(username=f"bench-{self.queue}")
        user.groups.add(Group.objects.get(name=ADMINISTRATOR))
        rss = {"start": self.worker_rss(), "half": [], "end": []}
        peak = list(rss["start"])
        cpu_before = proc_cpu_seconds(self.worker_pids())
        backends_before = {pid: proc_cpu_seconds([pid]) for pid in postgres_backends()}
        load_before = os.getloadavg()[0]

        started = time.perf_counter()
        batch = services.batch_start(user=user, scope=BatchScope.PROGRAMME)
        last_done, last_change = -1, time.monotonic()
        backends = dict(backends_before)
        while True:
            batch = CertificateBatch.objects.get(pk=batch.pk)
            if batch.status == BatchStatus.DONE:
                break
            if batch.status == BatchStatus.FAILED:
                sys.exit(f"the batch failed: {batch.error}\n{self.log.read_text()[-5000:]}")
            if self.worker.poll() is not None:
                sys.exit(f"the worker exited:\n{self.log.read_text()[-5000:]}")
            if batch.done != last_done:
                last_done, last_change = batch.done, time.monotonic()
                so_far = proc_cpu_seconds(self.worker_pids()) - cpu_before
                per = f"{so_far / batch.done * 1000:.0f} ms of worker CPU each" if batch.done else ""
                self.say(
                    f"  {time.perf_counter() - started:7.1f} s  {batch.done:,} of {batch.total:,} ready  {per}"
                    f"  load {os.getloadavg()[0]:.1f}"
                )
            elif time.monotonic() - last_change > STALL_SECONDS:
                sys.exit(f"no progress for {STALL_SECONDS} s:\n{self.log.read_text()[-5000:]}")
            if self.args.time_limit and time.perf_counter() - started > self.args.time_limit:
                services.batch_pause(batch=batch, user=user)
                self.say(f"  --time-limit {self.args.time_limit:.0f} s reached: batch paused")
                break
            now = self.worker_rss()
            peak = [max(a, b) for a, b in zip(peak, now, strict=False)] or now
            if not rss["half"] and batch.done >= batch.total // 2:
                rss["half"] = now
            for pid in postgres_backends():  # backends come and go: keep the last CPU seen of each
                backends[pid] = proc_cpu_seconds([pid]) or backends.get(pid, 0.0)
            time.sleep(1 if batch.total > 2000 else 0.2)
        wall = time.perf_counter() - started
        rss["end"] = self.worker_rss()
        worker_cpu = proc_cpu_seconds(self.worker_pids()) - cpu_before
        for pid in postgres_backends():
            backends[pid] = proc_cpu_seconds([pid]) or backends.get(pid, 0.0)
        postgres_cpu = sum(backends.values()) - sum(backends_before.values())

        interrupted = batch.status != BatchStatus.DONE
        if interrupted:
            # Stopped by --time-limit: what is measured is the certificates stored until then.
            count = services.batch_progress_refresh(batch=batch)
            names, archive_bytes = [], 0
        else:
            count = batch.total
            with batch.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
                names = archive.namelist()
                archive_bytes = handle.seek(0, io.SEEK_END)
            certificates = Certificate.objects.count()
            if not (len(names) == certificates == batch.total == self.total):
                sys.exit(
                    f"the ZIP holds {len(names):,} PDFs for {certificates:,} certificates "
                    f"and {self.total:,} completions"
                )
        return {
            "count": count,
            "total": batch.total,
            "interrupted": interrupted,
            "wall": wall,
            "cpu": worker_cpu,
            "postgres_cpu": postgres_cpu,
            "rss": rss,
            "peak": peak,
            "zip_mib": archive_bytes / 2**20,
            "folders": len({name.split("/")[0] for name in names}) if names else 0,
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        }

    # --- (2) the baseline ----------------------------------------------------------------

    def baseline(self) -> dict:
        import pikepdf
        import segno
        from weasyprint import CSS, HTML

        from certificates.models import Certificate, CertificateDesign
        from certificates.pdf import DOCUMENT_HTML
        from certificates.rendering import QR_MASK, certificate_css, certificate_sheet, verification_url

        def merged(person: bytes, background: bytes) -> bytes:
            """The background page drawn under the person's page (pikepdf), as one PDF."""
            with pikepdf.open(io.BytesIO(person)) as pdf, pikepdf.open(io.BytesIO(background)) as under:
                page = pdf.pages[0]
                name = page.add_resource(pdf.copy_foreign(under.pages[0].as_form_xobject()), pikepdf.Name.XObject)
                page.contents_add(pdf.make_stream(b"q " + bytes(name) + b" Do Q"), prepend=True)
                out = io.BytesIO()
                pdf.save(out)
                return out.getvalue()

        design = CertificateDesign.load()
        css = certificate_css(design)
        certificates = Certificate.objects.select_related("person", "course", "session__training_centre").order_by("pk")
        if self.args.baseline_limit:
            certificates = certificates[: self.args.baseline_limit]
        count, size = 0, 0
        started, cpu = time.perf_counter(), time.process_time()
        for certificate in certificates.iterator(chunk_size=500):
            sheet = certificate_sheet(certificate, design)
            # The QR code as WeasyPrint draws it by default: segno's inline SVG in the HTML.
            url = verification_url(certificate.code)
            svg = segno.make(url, error="m", mask=QR_MASK).svg_inline(border=0, omitsize=True)
            person_html = sheet.html.replace('<div class="qr"></div>', f'<div class="qr">{svg}</div>')
            layers = [
                HTML(string=DOCUMENT_HTML.format(sheets=html), base_url=str(ROOT / "certificates") + "/").write_pdf(
                    stylesheets=[CSS(string=css + ".qr svg { width: 100%; height: 100%; }")]
                )
                for html in (person_html, sheet.background)
            ]
            size += len(merged(*layers))
            count += 1
            if count % 500 == 0:
                self.say(f"  {time.perf_counter() - started:7.1f} s  {count:,} rendered  load {os.getloadavg()[0]:.1f}")
        return {
            "count": count,
            "wall": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "rss": rss_mib(os.getpid()),
            "average_kib": size / count / 1024 if count else 0,
        }

    # --- the whole run -------------------------------------------------------------------

    def report(self, batch: dict, base: dict) -> None:
        n, m = batch["count"], base["count"]
        rate = n / batch["wall"]
        base_rate = m / base["wall"] if base["wall"] else 0
        sample = "" if m == n else f" (first {m:,} only)"
        rows = [
            ("", f"batch path, {self.args.workers} workers", f"default WeasyPrint, 1 process{sample}"),
            ("certificates", f"{n:,}", f"{m:,}"),
            ("wall time", f"{batch['wall']:.1f} s = {batch['wall'] / 60:.1f} min", f"{base['wall']:.1f} s"),
            ("certificates per second", f"{rate:.1f}", f"{base_rate:.1f}"),
            (
                "CPU per certificate",
                f"{batch['cpu'] / n * 1000:.0f} ms workers + {batch['postgres_cpu'] / n * 1000:.0f} ms PostgreSQL",
                f"{base['cpu'] / m * 1000:.0f} ms" if m else "–",
            ),
            (
                "memory (RSS)",
                f"start {fmt_mib(batch['rss']['start'])}, half {fmt_mib(batch['rss']['half'])}, "
                f"end {fmt_mib(batch['rss']['end'])}, highest {fmt_mib(batch['peak'])}",
                f"{base['rss']:.0f} MiB at the end",
            ),
        ]
        width = max(len(r[0]) for r in rows)
        second = max(len(r[1]) for r in rows)
        self.say()
        for label, a, b in rows:
            self.say(f"{label:<{width}}  {a:<{second}}  {b}")
        self.say()
        if batch["interrupted"]:
            self.say(
                f"INTERRUPTED by --time-limit: {n:,} of {batch['total']:,} certificates stored in "
                f"{batch['wall']:.0f} s; no ZIP; the figures above are for those {n:,} only"
            )
        else:
            self.say(
                f"ZIP: {batch['zip_mib']:.0f} MiB, {n:,} PDFs in {batch['folders']} folders (one per centre); "
                f"baseline PDFs average {base['average_kib']:.0f} KiB"
            )
        if base_rate:
            self.say(f"ratio: the batch path issues {rate / base_rate:.1f}× the baseline's certificates per second")
        if self.args.all and batch["interrupted"]:
            self.say("target (whole programme under 15 min): NOT met on this run (stopped before the end)")
        elif self.args.all:
            verdict = "met" if batch["wall"] < TARGET_SECONDS else "NOT met"
            self.say(f"target (whole programme under 15 min): {verdict}, {batch['wall'] / 60:.1f} min")
        else:
            self.say(f"target (whole programme under 15 min): not measured by --limit {self.args.limit}; run --all")
        self.say(
            f"machine: {os.cpu_count()} CPUs; load average {batch['load_before']:.1f} before the batch, "
            f"{batch['load_after']:.1f} after"
        )

    def cleanup(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        try:
            import redis

            broker = redis.Redis.from_url(f"{REDIS_URL}/11")
            broker.delete(self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
        except Exception as exc:  # noqa: BLE001 - cleaning up after a run that may have failed
            print(f"(could not remove the queue {self.queue}: {exc})")
        if self.db_name and not self.args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(self.db_name)
        if not self.args.keep_files:
            shutil.rmtree(self.var_dir, ignore_errors=True)


def main() -> None:
    # A TERM (a stopped run) cleans up too: the worker, the queue and the scratch files.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit("terminated"))
    args = parse_args()
    bench = Bench(args)
    try:
        bench.prepare()
        bench.start_worker()
        bench.say(f"(1) batch_start for the whole programme, {bench.total:,} certificates:")
        batch = bench.batch_path()
        bench.worker.terminate()  # the baseline has the machine to itself
        bench.worker.wait(30)
        bench.say("(2) baseline: default WeasyPrint render of the same certificates, one process:")
        base = bench.baseline()
        bench.report(batch, base)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
