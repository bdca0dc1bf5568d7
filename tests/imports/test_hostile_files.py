"""Hostile uploads are read with bounded work: a clear error (or the real rows) within 2 s and
under 200 MB, whatever the file claims.

An outside probe: a 5 KB workbook whose ``<dimension>`` claims A1:XFD1048576 made openpyxl pad every
row to 16,384 columns (13 s at 10,000 rows, some 20 minutes for the whole claim), and a 19 MB CSV
of blank lines took the process from 274 MB to 1.8 GB. Each file below is read in a fresh Python
process (so its peak memory is its own), timed, and its peak resident memory measured.
"""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from tests.imports.helpers import xlsx_bytes

SECONDS, MEGABYTES = 2.0, 200
HEADERS = ["service_number", "name_ar", "gender"]
REAL_ROWS = 2_000

# Read one file with imports.files in a bare Django (no apps, no database): time, peak memory
# growth, and the outcome (the number of rows, or the error's code and message).
PROBE = r"""
import json, sys, time
import django
from django.conf import settings
settings.configure(USE_I18N=False, **json.loads(sys.argv[2]))
django.setup()
from django.core.exceptions import ValidationError
from pathlib import Path
from imports import files
path = Path(sys.argv[1])
def status(field):  # kB, from /proc: the high-water mark is this process's own (ru_maxrss survives exec)
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))
before = status("VmRSS:")
started = time.perf_counter()
try:
    outcome = {"rows": len(files.read_dataset(path, fmt=files.upload_format(path.name), name=path.name))}
except ValidationError as error:
    outcome = {"code": error.code, "message": str(error.message)}
outcome["seconds"] = time.perf_counter() - started
outcome["megabytes"] = (status("VmHWM:") - before) / 1024
print(json.dumps(outcome))
"""


def measure(path: Path) -> dict:
    # The project's limits, as configured (defaults where the settings name none).
    limits = {name: getattr(settings, name) for name in dir(settings) if name.startswith("IMPORT_MAX")}
    done = subprocess.run(  # noqa: S603 - the test's own interpreter and probe
        [sys.executable, "-c", PROBE, str(path), json.dumps(limits)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def with_sheet(sheet_xml: bytes, *, shared_strings: bytes | None = None) -> bytes:
    """A real workbook (made by openpyxl) whose first sheet's XML is replaced by ``sheet_xml``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(HEADERS, [["1", "a", "M"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            target.writestr(member.filename, data)
        if shared_strings is not None:
            target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def sheet(rows: bytes, *, dimension: bytes = b"A1:C2") -> bytes:
    return NS + b'<dimension ref="' + dimension + b'"/><sheetData>' + rows + b"</sheetData></worksheet>"


def column(n: int) -> bytes:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n + 1).encode()


def row(n: int, *values: str) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (bytes([65 + i]), n, v.encode())
        for i, v in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (n, cells)


def hostile_files(tmp: Path) -> dict[str, tuple[Path, str | None]]:
    """name -> (file, the error code expected, or None when the real rows are to be read)."""
    header = row(1, *HEADERS)
    many = b"".join(row(n, str(100000 + n), "حسن", "M") for n in range(2, REAL_ROWS + 2))
    files = {
        # The probe's file: a claimed A1:XFD1048576 over real rows: read, quickly (the probe
        # measured 13 s at 10,000 rows; a worker under load reads these 2,000 well within the bound).
        "claimed_dimension.xlsx": (sheet(header + many, dimension=b"A1:XFD1048576"), None),
        # The whole claim: a last row at 1,048,576 makes everything between blank rows.
        "claimed_last_row.xlsx": (sheet(header + row(2, "1", "a", "M") + row(1048576, "2", "b", "F")), "blank_rows"),
        "blank_rows.xlsx": (sheet(header + b"".join(b'<row r="%d"/>' % n for n in range(2, 500_000))), "blank_rows"),
        "real_columns.xlsx": (
            sheet(
                b'<row r="1">'
                + b"".join(b'<c r="%s1" t="inlineStr"><is><t>h%d</t></is></c>' % (column(n), n) for n in range(16384))
                + b"</row>"
            ),
            "columns",
        ),
        "hundred_columns.xlsx": (
            sheet(
                b'<row r="1">'
                + b"".join(b'<c r="%s1" t="inlineStr"><is><t>h%d</t></is></c>' % (column(n), n) for n in range(100))
                + b"</row>"
            ),
            "columns",
        ),
        "huge_cell.xlsx": (sheet(header + row(2, "1", "x" * 5_000_000, "M")), "cell_size"),
        "deep.xlsx": (sheet(header + b"<x>" * 200_000 + b"</x>" * 200_000), "xml_depth"),
    }
    made = {name: (tmp / name, code) for name, (xml, code) in files.items()}
    for name, (xml, _code) in files.items():
        (tmp / name).write_bytes(with_sheet(xml))
    shared_deep = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si>" * 100_000
        + b"</si>" * 100_000
    )
    (tmp / "deep_strings.xlsx").write_bytes(with_sheet(sheet(header), shared_strings=shared_deep))
    made["deep_strings.xlsx"] = (tmp / "deep_strings.xlsx", "xml_depth")
    good = xlsx_bytes(HEADERS, [[str(n), "حسن", "M"] for n in range(5000)])
    (tmp / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    made["truncated.xlsx"] = (tmp / "truncated.xlsx", "magic")
    # A ZIP that is whole but whose sheet stops mid-row (copied from a file cut off, then re-zipped).
    (tmp / "cut_sheet.xlsx").write_bytes(with_sheet(sheet(header + many)[:-40_000]))
    made["cut_sheet.xlsx"] = (tmp / "cut_sheet.xlsx", "damaged")
    (tmp / "blank_lines.csv").write_bytes(b"service_number,name_ar,gender\n" + b"\n" * 19_000_000)
    made["blank_lines.csv"] = (tmp / "blank_lines.csv", "blank_rows")
    (tmp / "blank_cells.csv").write_bytes(b"service_number,name_ar,gender\n" + b",,\r\n" * 5_000_000)
    made["blank_cells.csv"] = (tmp / "blank_cells.csv", "blank_rows")
    (tmp / "huge_cell.csv").write_bytes(b"service_number,name_ar,gender\n1," + b"x" * 200_000 + b",M\n")
    made["huge_cell.csv"] = (tmp / "huge_cell.csv", "line_size")
    (tmp / "huge_cell_small_lines.csv").write_bytes(b"service_number,name_ar,gender\n1," + b"x" * 50_000 + b",M\n")
    made["huge_cell_small_lines.csv"] = (tmp / "huge_cell_small_lines.csv", "cell_size")
    (tmp / "huge_quoted_cell.csv").write_bytes(b'service_number,name_ar,gender\n1,"' + b"x\n" * 100_000 + b'",M\n')
    made["huge_quoted_cell.csv"] = (tmp / "huge_quoted_cell.csv", "cell_size")
    (tmp / "one_long_line.csv").write_bytes(b"service_number,name_ar,gender\n" + b"," * 19_000_000)
    made["one_long_line.csv"] = (tmp / "one_long_line.csv", "line_size")
    return made


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("hostile"))


CASES = [
    "claimed_dimension.xlsx",
    "claimed_last_row.xlsx",
    "blank_rows.xlsx",
    "real_columns.xlsx",
    "hundred_columns.xlsx",
    "huge_cell.xlsx",
    "deep.xlsx",
    "deep_strings.xlsx",
    "truncated.xlsx",
    "cut_sheet.xlsx",
    "blank_lines.csv",
    "blank_cells.csv",
    "huge_cell.csv",
    "huge_quoted_cell.csv",
    "huge_cell_small_lines.csv",
    "one_long_line.csv",
]


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_file_is_read_with_bounded_work(hostile, name):
    path, code = hostile[name]
    outcome = measure(path)
    assert outcome["seconds"] < SECONDS, outcome
    assert outcome["megabytes"] < MEGABYTES, outcome
    if code is None:
        assert outcome.get("rows") == REAL_ROWS, outcome
    else:
        assert outcome.get("code") == code, outcome
        assert path.name in outcome["message"]


# --- through the upload page: a clear message on the form, no job, no file left behind ------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("truncated.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("cut_sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("huge_quoted_cell.csv", "text/csv"),
        ("huge_cell.csv", "text/csv"),
    ],
)
def test_the_upload_page_answers_a_hostile_file_with_a_message_and_keeps_nothing(
    uploader, hostile, name, content_type, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.models import ImportJob

    path, _code = hostile[name]
    upload = SimpleUploadedFile(name, path.read_bytes(), content_type=content_type)
    response = uploader.post("/admin/imports/", {"kind": "people", "file": upload})
    assert response.status_code == 200
    assert name in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any(Path(settings.IMPORTS_DIR).glob("*")), "the refused upload was left on disk"


@pytest.fixture
def uploader(client, django_user_model):
    """An administrator signed in to the admin, to upload files."""
    from django.contrib.auth.models import Group

    from lms.roles import ADMINISTRATOR
    from tests.conftest import log_in_verified

    user = django_user_model.objects.create_user(username="big-uploader", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return log_in_verified(client, user)


@pytest.mark.django_db
def test_a_large_upload_is_read_by_the_background_job_not_the_request(
    uploader, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.files import write_csv
    from imports.models import ImportJob, JobStatus

    settings.IMPORT_CHECK_IN_REQUEST_BYTES = 10_000
    headers = ["service_number", "name_ar", "name_latin", "gender", "rank", "unit", "station", "governorate"]
    rows = [[f"95{n:05d}", "حسن علي", "Hassan Ali", "M", "sergeant", "", "", "Baghdad"] for n in range(600)]
    content = write_csv(headers, rows).encode()
    assert len(content) > settings.IMPORT_CHECK_IN_REQUEST_BYTES
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = uploader.post(
            "/admin/imports/", {"kind": "people", "file": SimpleUploadedFile("big.csv", content, "text/csv")}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    # The request stored the file and handed it on: nothing was read yet.
    assert (job.status, job.total_rows, job.dry_run_report) == (JobStatus.CHECKING, 0, "")
    assert uploader.get(f"/admin/imports/{job.pk}/status/").json()["finished"] is False
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs the check
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.new_count, job.error_count) == (JobStatus.CHECKED, 600, 600, 0)
    assert uploader.get(f"/admin/imports/{job.pk}/status/").json()["finished"] is True


@pytest.mark.django_db
def test_a_large_hostile_upload_fails_its_background_check_with_the_reason(
    uploader, settings, django_capture_on_commit_callbacks, hostile
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.models import ImportJob, JobStatus

    settings.IMPORT_CHECK_IN_REQUEST_BYTES = 1_000
    path, _code = hostile["cut_sheet.xlsx"]
    upload = SimpleUploadedFile(
        "cut_sheet.xlsx", path.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    with django_capture_on_commit_callbacks(execute=True):
        uploader.post("/admin/imports/", {"kind": "people", "file": upload})
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and "cut_sheet.xlsx" in job.failure
    assert not any(Path(settings.IMPORTS_DIR).glob("*"))
    assert "cut_sheet.xlsx" in uploader.get(f"/admin/imports/{job.pk}/").content.decode()
