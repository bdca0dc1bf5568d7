"""Several machines: two web nodes and two Celery workers share files through object storage, and
any one of them can die.

Two gunicorn web nodes (A and B) and two Celery workers, each started in an empty working folder
of its own (its own VAR_DIR, nothing shared on disk), with beat, PostgreSQL, Redis and moto's S3
server. One staff member signs in on A through the real front door (password, then the second
factor) and, with the same cookies:

- uploads an image on A, which B then shows (B draws its rendition from the original in the
  bucket) and whose original the public media address serves byte for byte;
- uploads an import on B, which is dry-run there, confirms it from A, and a worker imports it;
- starts a certificate batch through A; the worker holding one of its chunks is killed mid-chunk
  (SIGKILL); web node A is stopped; the session goes on on B, where the batch ends with exactly
  one certificate per person and a certificate rendered by a worker downloads byte for byte
  (SHA-256 of the file the worker stored), as does the batch's ZIP.
"""

import hashlib
import hmac
import io
import json
import re
import signal
import sys
import time
import uuid
import zipfile

import psycopg
import pytest
import redis
import requests

from ops.workers import OWNERS_KEY, UNACKED_KEY
from tests.production.object_store import MEDIA_BUCKET, PRIVATE_BUCKET, s3_client, s3_env, s3_server
from tests.production.processes import (
    REDIS_BROKER_URL,
    free_port,
    manage,
    output_of,
    production_env,
    start,
    stop,
    wait_until_listening,
)
from tests.production.test_certificates import SETUP

pytestmark = pytest.mark.production

PASSWORD = "multi-node-Passw0rd!"  # noqa: S105 - a test account's
COMPLETERS = 30  # two chunks of a batch (25 and 5), one for each worker

# The account that does it all (an administrator who also authors MPS-02's lessons, with an
# authenticator), run after test_certificates' SETUP, which makes a closed session of completers.
ACCOUNT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from courses.models import CourseAuthor
from lms.roles import ADMINISTRATOR
user = get_user_model().objects.create_user(username=f"nodes-{tag}", password="__PASSWORD__")
user.groups.add(Group.objects.get(name=ADMINISTRATOR))
device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
CourseAuthor.objects.create(course=Course.objects.get(code="MPS-02"), user=user)  # uploads its lesson images
print(json.dumps({"username": user.username, "key": device.key, "session": session.pk, "tag": tag}))
"""


def totp(key_hex: str) -> str:
    """The current six-digit code of a TOTP device (RFC 6238: SHA-1, 30-second steps)."""
    digest = hmac.new(bytes.fromhex(key_hex), (int(time.time()) // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def scalar(database_url: str, sql: str, *params):
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def wait_for(condition, *, timeout: float, what: str, logs=(), interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text()[-4000:] for log in logs if log.exists())
            raise AssertionError(f"{what} not within {timeout} s\n{tails}")
        time.sleep(interval)
    return value


class Browser:
    """A plain HTTP client session with its cookies, sent to whichever node is asked.

    The nodes run the production profile, whose cookies are Secure; the load balancer that would
    end TLS in front of them is left out, so the client sends its cookies over loopback HTTP itself.
    """

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, node: int, path: str, **kwargs) -> requests.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(
            method,
            f"http://127.0.0.1:{node}{path}",
            headers={"Cookie": cookie} if cookie else {},
            timeout=120,
            allow_redirects=False,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, node: int, path: str) -> requests.Response:
        return self._send("GET", node, path)

    def post(self, node: int, path: str, data: dict, files=None) -> requests.Response:
        token = self.cookies["csrftoken"]
        return self._send("POST", node, path, data={"csrfmiddlewaretoken": token, **data}, files=files)

    def sign_in(self, node: int, username: str, key: str) -> None:
        assert self.get(node, "/admin/login/").status_code == 200  # sets the CSRF cookie
        response = self.post(node, "/admin/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text[:2000]
        assert self.get(node, "/account/second-factor/").status_code == 200
        response = self.post(node, "/account/second-factor/", {"code": totp(key)})
        assert response.status_code == 302, response.text[:2000]
        assert self.get(node, "/admin/").status_code == 200


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 33, 61)).save(out, format="PNG")
    return out.getvalue()


def test_two_web_nodes_and_two_workers_share_files_and_survive_a_lost_node(migrated_database, tmp_path, request):
    queue = f"production-nodes-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(REDIS_BROKER_URL)
    request.addfinalizer(lambda: broker.delete(queue, f"_kombu.binding.{queue}"))
    store = s3_server(tmp_path)
    endpoint = store.__enter__()
    request.addfinalizer(lambda: store.__exit__(None, None, None))
    # One environment for every node (one SECRET_KEY); each node gets an empty folder of its own.
    shared = production_env(
        var_dir=tmp_path / "unused",
        database_url=migrated_database,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        STATIC_MANIFEST="0",
        # A killed worker's chunk is put back within seconds (ops.workers; production: minutes).
        WORKER_HEARTBEAT_SECONDS="1",
        TASK_SWEEP_SECONDS="2",
        TASK_SWEEP_GRACE_SECONDS="3",
        **s3_env(endpoint),
    )

    def node_env(name: str) -> dict[str, str]:
        folder = tmp_path / name
        folder.mkdir()
        return {**shared, "VAR_DIR": str(folder)}

    processes: dict[str, object] = {}

    def launch(name: str, argv: list[str]):
        process = start(argv, env=node_env(name), log=tmp_path / f"{name}.log")
        processes[name] = process
        request.addfinalizer(lambda: stop(process))
        return process

    logs = [tmp_path / f"{name}.log" for name in ("web-a", "web-b", "worker-1", "worker-2", "beat")]
    ports = {"web-a": free_port(), "web-b": free_port()}
    for name, port in ports.items():
        gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        gunicorn.append("--no-control-socket")  # a machine of its own would have its own
        launch(name, gunicorn)
    workers = {}
    for name in ("worker-1", "worker-2"):
        workers[name] = launch(
            name,
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
                *("--queues", queue, "--hostname", f"{queue}-{name}@%h", "--without-gossip", "--without-mingle"),
            ],
        )
    launch("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(tmp_path / "beat-schedule")])
    setup = manage(
        "shell",
        "--no-imports",
        "-c",
        SETUP.replace("__N__", str(COMPLETERS)) + ACCOUNT.replace("__PASSWORD__", PASSWORD),
        env=node_env("setup"),
    )
    assert setup.returncode == 0, output_of(setup)
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    for name, port in ports.items():
        wait_until_listening(port, processes[name], tmp_path / f"{name}.log")
    a, b = ports["web-a"], ports["web-b"]
    s3 = s3_client(endpoint)
    browser = Browser()
    browser.sign_in(a, data["username"], data["key"])

    # An image uploaded on A is shown by B.
    image = png_bytes()
    uploaded = browser.post(
        a, "/admin/images/add/", {"title": f"Lesson picture {data['tag']}"}, files={"file": ("lesson.png", image)}
    )
    assert uploaded.status_code == 302 and "/admin/images/" in uploaded.headers["Location"], uploaded.text[:3000]
    with psycopg.connect(migrated_database) as connection:
        image_id, original = connection.execute(
            "SELECT id, file FROM wagtailimages_image WHERE title = %s", (f"Lesson picture {data['tag']}",)
        ).fetchone()
    assert s3.get_object(Bucket=MEDIA_BUCKET, Key=original)["Body"].read() == image
    shown = browser.get(b, f"/admin/images/{image_id}/")
    assert shown.status_code == 200, shown.text[:2000]
    sources = re.findall(r'<img[^>]+src="([^"]+)"', shown.text)
    rendition = next(src for src in sources if "/images/" in src and src.startswith(endpoint))
    served = requests.get(rendition, timeout=30)
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    assert requests.get(f"{endpoint}/{MEDIA_BUCKET}/{original}", timeout=30).content == image

    # An import uploaded to B is dry-run there and confirmed from A; a worker imports it.
    code = f"TC-N{data['tag']}"
    roster = f"code,name_en,name_ar,governorate\n{code},Nodes Centre,مركز العقد,BG\n".encode()
    upload = {"file": ("centres.csv", roster, "text/csv")}
    checked = browser.post(b, "/admin/imports/", {"kind": "centres"}, files=upload)
    assert checked.status_code == 302, checked.text[:3000]
    job_path = checked.headers["Location"]
    job = job_path.rstrip("/").rsplit("/", 1)[-1]
    assert scalar(migrated_database, "SELECT status FROM imports_importjob WHERE id = %s", job) == "checked"
    assert s3.list_objects_v2(Bucket=PRIVATE_BUCKET, Prefix="imports/")["KeyCount"] == 1
    assert browser.post(a, f"{job_path}confirm/", {}).status_code == 302
    wait_for(
        lambda: scalar(migrated_database, "SELECT status FROM imports_importjob WHERE id = %s", job) == "done",
        timeout=120,
        what="the import",
        logs=logs,
    )
    assert scalar(migrated_database, "SELECT count(*) FROM lms_trainingcentre WHERE code = %s", code) == 1
    assert s3.list_objects_v2(Bucket=PRIVATE_BUCKET, Prefix="imports/")["KeyCount"] == 0  # the upload is deleted

    # A certificate batch started through A; the worker holding a chunk is killed mid-chunk.
    started = browser.post(a, "/admin/certificates/batches/new/", {"scope": "session", "session": data["session"]})
    assert started.status_code == 302, started.text[:3000]
    batch_path = started.headers["Location"]
    pids = {process.pid: name for name, process in workers.items()}

    def worker_holding_a_chunk():
        for tag, owner in broker.hgetall(OWNERS_KEY).items():
            raw = broker.hget(UNACKED_KEY, tag)
            if raw and "certificate_batch_chunk" in raw.decode():
                pid = int(owner.decode().split("/")[1])
                if pid in pids:
                    return pids[pid], tag
        return None

    victim, tag = wait_for(worker_holding_a_chunk, timeout=120, what="a held chunk", logs=logs, interval=0.02)
    workers[victim].send_signal(signal.SIGKILL)
    workers[victim].wait(10)
    assert broker.hexists(UNACKED_KEY, tag), "the chunk finished before its worker was killed"

    # Web node A stops; the same session goes on on B.
    stop(processes["web-a"])
    assert browser.get(b, "/admin/").status_code == 200

    def batch_done():
        status = browser.get(b, f"{batch_path}status/").json()
        assert status["status"] != "failed", status
        return status if status["status"] == "done" else None

    status = wait_for(batch_done, timeout=240, what="the batch", logs=logs, interval=0.5)
    assert status["done"] == status["total"] == COMPLETERS
    per_person = scalar(
        migrated_database,
        "SELECT count(DISTINCT person_id) FROM certificates_certificate WHERE session_id = %s AND pdf <> ''",
        data["session"],
    )
    total = scalar(
        migrated_database, "SELECT count(*) FROM certificates_certificate WHERE session_id = %s", data["session"]
    )
    assert per_person == total == COMPLETERS

    # A certificate a worker rendered downloads through B, byte for byte.
    with psycopg.connect(migrated_database) as connection:
        serial, pdf, sha256 = connection.execute(
            "SELECT serial, pdf, pdf_sha256 FROM certificates_certificate WHERE session_id = %s ORDER BY id LIMIT 1",
            (data["session"],),
        ).fetchone()
    stored = s3.get_object(Bucket=PRIVATE_BUCKET, Key=f"certificates/{pdf}")["Body"].read()
    assert requests.get(f"{endpoint}/{PRIVATE_BUCKET}/certificates/{pdf}", timeout=30).status_code == 403  # not public
    downloaded = browser.get(b, f"/certificates/{serial}.pdf")
    assert downloaded.status_code == 200, downloaded.text[:2000]
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(stored).hexdigest() == sha256
    archive = browser.get(b, status["archive_url"])
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert len(zipped.namelist()) == COMPLETERS
        assert hashlib.sha256(zipped.read(f"{serial}.pdf")).hexdigest() == sha256
    # No node kept a certificate on its own disk.
    for name in ("web-a", "web-b", "worker-1", "worker-2"):
        assert not list((tmp_path / name).rglob("*.pdf")), f"{name} kept a PDF on its own disk"
