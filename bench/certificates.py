"""Certificate issuing speed: a fresh render per certificate against the batch path on 2 workers.

    .venv/bin/python bench/certificates.py [--count 1000] [--workers 2] [--var-dir DIR]

Builds the demo data (434 ToT trainers, 6,207 cascade participants…) in a scratch SQLite database
under ``--var-dir`` (a new temporary directory by default), then issues certificates for
``--count`` completed cascade participations twice:

(a) one process, one *fresh* render per certificate: a new FontConfiguration and style sheet
    for every certificate (what rendering looks like without the per-process renderer);
(b) the project's batch path: the chunk task ``certificates.tasks.certificate_batch_chunk``
    sent through Redis to a Celery worker with ``--workers`` processes (prefork), each process
    keeping its fonts, style sheet and session backgrounds for the whole batch and laying out
    each chunk's person layers as one document (one PDF per certificate written from its page
    and merged with its background; see certificates.pdf). The same participations are pending
    again (the certificates of (a) are deleted first).

It prints the per-certificate median and the total of each, their ratio, the projected time for
the programme's 6,207 cascade participants (and for every completed cascade participation of the
demo data), and the workers' resident memory at the start, halfway and at the end of (b). Needs Redis on 127.0.0.1:6379
(database 12 is used and flushed of the benchmark's queue); without it, (b) falls back to a
multiprocessing pool running the same chunk function.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CASCADE_PARTICIPANTS = 6207


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--fresh-count",
        type=int,
        default=0,
        help="time (a) on only the first N certificates and project its total to --count (default: all)",
    )
    parser.add_argument("--var-dir", default="")
    return parser.parse_args()


def environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(var_dir),
        CELERY_BROKER_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
        return True
    except Exception:
        return False


def _chunk_in_pool(args: tuple[int, list[int]]) -> int:
    import django

    django.setup()
    from certificates import services
    from certificates.models import CertificateBatch

    batch_id, ids = args
    return services.batch_chunk_run(batch=CertificateBatch.objects.get(pk=batch_id), participation_ids=ids)


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()[0]
    var_dir = Path(args.var_dir) if args.var_dir else Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from cascade.models import SessionKind
    from certificates import pdf, services
    from certificates.models import BatchScope, Certificate, CertificateBatch, CertificateDesign, private_storage
    from certificates.selectors import eligible_participations
    from courses.models import Course

    print(f"scratch data in {var_dir}")
    call_command("migrate", verbosity=0)
    call_command("demo_data", verbosity=0)

    course = Course.objects.get(code="MPS-01")
    owner = get_user_model().objects.get(username="admin")
    batch = CertificateBatch.objects.create(owner=owner, scope=BatchScope.COURSE, course=course)
    cascade_completions = eligible_participations().filter(session__kind=SessionKind.CASCADE)
    all_cascade = cascade_completions.count()
    CertificateBatch.objects.filter(pk=batch.pk).update(total=services.batch_participations(batch).count())
    batch.refresh_from_db()
    chosen = list(
        services.batch_participations(batch)
        .filter(session__kind=SessionKind.CASCADE)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.count]
    )
    if len(chosen) < args.count:
        sys.exit(f"only {len(chosen)} completed cascade participations of MPS-01 in the demo data")
    print(f"{len(chosen):,} completed cascade participations (MPS-01); {all_cascade:,} in all courses")
    design = CertificateDesign.load()

    # (a) a fresh renderer (fonts, style sheet) for every certificate, in one process
    fresh: list[float] = []
    fresh_ids = chosen[: args.fresh_count] if args.fresh_count else chosen
    started, fresh_cpu = time.perf_counter(), time.process_time()
    for participation in (
        services.batch_participations(batch)
        .filter(pk__in=fresh_ids)
        .select_related("person", "session__course", "session__training_centre")
    ):
        t0 = time.perf_counter()
        pdf.reset_renderer()
        services.certificate_pdf_ensure(
            certificate=services.certificate_issue(participation=participation), design=design
        )
        fresh.append(time.perf_counter() - t0)
    fresh_cpu = (time.process_time() - fresh_cpu) / len(fresh_ids)
    fresh_total = (time.perf_counter() - started) * len(chosen) / len(fresh_ids)
    assert Certificate.objects.with_pdf().count() == len(fresh_ids)

    # A warm single-process sample of the batch path's own code: chunks rendered as one document each.
    pdf.reset_renderer()
    Certificate.objects.all().delete()
    shutil.rmtree(private_storage().location, ignore_errors=True)
    warm: list[float] = []
    warm_cpu = time.process_time()
    sample = chosen[:100]
    for i in range(0, len(sample), services.BATCH_CHUNK_SIZE):
        ids = sample[i : i + services.BATCH_CHUNK_SIZE]
        t0 = time.perf_counter()
        services.batch_chunk_run(batch=batch, participation_ids=ids)
        warm.extend([(time.perf_counter() - t0) / len(ids)] * len(ids))
    warm_cpu = (time.process_time() - warm_cpu) / len(warm)
    Certificate.objects.all().delete()
    shutil.rmtree(private_storage().location, ignore_errors=True)

    # (b) the batch path: chunk tasks through Redis to a worker with N processes
    chunks = [chosen[i : i + services.BATCH_CHUNK_SIZE] for i in range(0, len(chosen), services.BATCH_CHUNK_SIZE)]
    worker_rss: tuple[list[float], list[float], list[float]] = ([], [], [])
    if redis_available():
        from certificates.tasks import certificate_batch_chunk

        queue = f"bench-certificates-{uuid.uuid4().hex[:8]}"
        log = var_dir / "worker.log"
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"),
                *(f"--concurrency={args.workers}", "--queues", queue, "--hostname", f"{queue}@%h"),
                *("--without-gossip", "--without-mingle", "--loglevel=WARNING"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while len(children(worker.pid)) < args.workers:
                if time.monotonic() > deadline or worker.poll() is not None:
                    sys.exit(f"the worker did not start:\n{log.read_text()}")
                time.sleep(0.2)
            time.sleep(2)
            worker_rss[0].extend(rss_mib(pid) for pid in children(worker.pid))
            cpu_before = sum(cpu_seconds(pid) for pid in [worker.pid, *children(worker.pid)])
            started = time.perf_counter()
            for ids in chunks:
                certificate_batch_chunk.apply_async((batch.pk, ids), queue=queue)
            while (ready := Certificate.objects.with_pdf().count()) < len(chosen):
                if worker.poll() is not None:
                    sys.exit(f"the worker exited:\n{log.read_text()}")
                if not worker_rss[1] and ready >= len(chosen) // 2:
                    worker_rss[1].extend(rss_mib(pid) for pid in children(worker.pid))
                time.sleep(0.05)
            batch_total = time.perf_counter() - started
            batch_cpu = sum(cpu_seconds(pid) for pid in [worker.pid, *children(worker.pid)]) - cpu_before
            worker_rss[2].extend(rss_mib(pid) for pid in children(worker.pid))
            mode = f"Celery worker, {args.workers} processes, Redis broker"
        finally:
            worker.terminate()
            worker.wait(30)
            import redis

            broker = redis.Redis.from_url(BROKER)
            broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    else:
        from multiprocessing import get_context

        from django.db import connections

        connections.close_all()
        started = time.perf_counter()
        with get_context("fork").Pool(args.workers) as pool:
            pool.map(_chunk_in_pool, [(batch.pk, ids) for ids in chunks])
        batch_total = time.perf_counter() - started
        batch_cpu = 0.0
        mode = f"multiprocessing pool of {args.workers} (no Redis)"
    assert Certificate.objects.count() == len(chosen), "one certificate per participation"

    n = len(chosen)
    per_batch = batch_total / n
    print()
    measured = "" if len(fresh) == n else f" (timed on {len(fresh):,}, total projected)"
    print(
        f"(a) fresh render per certificate, 1 process: median {statistics.median(fresh) * 1000:6.1f} ms, "
        f"total {fresh_total:7.1f} s for {n:,}{measured}"
    )
    print(f"(b) batch path ({mode}):")
    print(
        f"    per-certificate median {statistics.median(warm) * 1000:6.1f} ms (warm process, chunks of "
        f"{services.BATCH_CHUNK_SIZE}, sample of {len(warm)}), "
        f"throughput {per_batch * 1000:6.1f} ms per certificate, total {batch_total:7.1f} s for {n:,}"
    )
    median_ratio = statistics.median(fresh) / statistics.median(warm)
    print(f"ratio (a)/(b): total {fresh_total / batch_total:4.1f}×, median {median_ratio:4.1f}×")
    for label, count in (
        ("the programme's cascade participants", CASCADE_PARTICIPANTS),
        ("every completed cascade participation in the demo data", all_cascade),
    ):
        projected = per_batch * count
        print(
            f"projected for {count:,} ({label}): {projected:6.0f} s = {projected / 60:4.1f} min on the batch path "
            f"(target for 6,207: under 5 min)"
        )
    if worker_rss[0]:
        print(
            f"worker processes' memory (RSS): {', '.join(f'{v:.0f}' for v in worker_rss[0])} MiB at start, "
            f"{', '.join(f'{v:.0f}' for v in worker_rss[1])} MiB after about {n // 2:,} certificates, "
            f"{', '.join(f'{v:.0f}' for v in worker_rss[2])} MiB after {n:,}"
        )
    if batch_cpu:
        idle = batch_cpu / n / args.workers * CASCADE_PARTICIPANTS
        print(
            f"CPU time per certificate: (a) {fresh_cpu * 1000:.0f} ms, warm {warm_cpu * 1000:.0f} ms, "
            f"(b) {batch_cpu / n * 1000:.0f} ms in the workers; on {args.workers} otherwise idle cores the batch "
            f"path would take about {idle:.0f} s = {idle / 60:.1f} min for {CASCADE_PARTICIPANTS:,}"
        )
    print(f"machine: {os.cpu_count()} CPUs, load average before the run {load_before:.1f}")


if __name__ == "__main__":
    main()
