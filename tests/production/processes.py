"""Start, reach and stop the production profile's processes from a test.

Every process runs this checkout's code with the interpreter running pytest, in the repository
root, with an environment built by ``production_env`` (nothing inherited from the developer's
shell that the settings read).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Three Redis databases per pytest process, away from the ones .env.example gives the application
# (0–2) and the benchmarks' (10, 11): a run in one process (or pytest-xdist's first worker, gw0)
# takes 13–15, gw1 7–9, gw2 4–6. Beat's sweep and the tests' workers read every message of their
# broker database, so two workers of one run must never share one.
_REDIS_DATABASES = ((13, 14, 15), (7, 8, 9), (4, 5, 6))


def _redis_databases() -> tuple[int, int, int]:
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    if worker >= len(_REDIS_DATABASES):
        raise RuntimeError(f"pytest-xdist worker gw{worker}: no spare Redis databases left for it (at most -n 3)")
    return _REDIS_DATABASES[worker]


_CACHE_DB, _BROKER_DB, _RESULT_DB = _redis_databases()
REDIS_CACHE_URL = f"{REDIS_HOST_URL}/{_CACHE_DB}"
REDIS_BROKER_URL = f"{REDIS_HOST_URL}/{_BROKER_DB}"
REDIS_RESULT_URL = f"{REDIS_HOST_URL}/{_RESULT_DB}"


def _settings_variables() -> set[str]:
    """Every variable the settings read, as listed (set or commented out) in .env.example."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def env_example() -> dict[str, str]:
    """The values .env.example sets (its uncommented lines): the defaults an operator starts from."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def production_env(*, var_dir: Path, database_url: str | None = None, **overrides: str) -> dict[str, str]:
    """DEBUG off, a real secret, Redis cache and broker, files under ``var_dir``."""
    env = {name: value for name, value in os.environ.items() if name not in _settings_variables()}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url or f"sqlite:///{var_dir / 'unused.sqlite3'}",
        REDIS_URL=REDIS_CACHE_URL,
        CELERY_BROKER_URL=REDIS_BROKER_URL,
        CELERY_RESULT_BACKEND=REDIS_RESULT_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        VAR_DIR=str(var_dir),
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def start(argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running process with its output in ``log`` (a pipe could fill and block it)."""
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Ask for a warm shutdown (SIGTERM), and insist if it does not come."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str) -> http.client.HTTPResponse:
    """One GET, redirects not followed, body read so the response can be inspected afterwards."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not listening on {port} after {timeout} s:\n{log.read_text()}") from None
            time.sleep(0.2)
