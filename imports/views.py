"""Admin pages of the import flow: upload → dry run → confirm → progress → report; templates;
possible duplicates and merging.

Views parse input and call ``imports.services`` / ``imports.merge``. Who may do what is
``imports.access``; a job is read only by the account that uploaded it (404 for anyone else).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from openpyxl.utils import get_column_letter

from cascade import permissions
from imports import access, files, layout, mapping, places, services, workbooks
from imports.columns import FORMATS
from imports.duplicates import possible_duplicates
from imports.merge import person_merge
from imports.models import ImportJob, ImportKind, JobStatus
from lms.models import Person

PROBLEM_ROWS_SHOWN = 500
OTHER_ROWS_SHOWN = 100


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, kinds=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in ImportKind.choices if k in kinds]

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        head = uploaded.read(8)
        uploaded.seek(0)
        files.check_upload(name=uploaded.name, size=uploaded.size, content_type=uploaded.content_type or "", head=head)
        return uploaded


def _kinds_or_403(user) -> tuple[str, ...]:
    kinds = access.import_kinds_for(user)
    if not kinds:
        raise PermissionDenied
    return kinds


def _own_job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, owner=request.user)


def index(request):
    kinds = _kinds_or_403(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_check(
                owner=request.user,
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
                scope_centre=access.scope_centre_for(request.user),
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("imports:job", pk=job.pk)
    return render(
        request,
        "imports/index.html",
        {
            "header_title": _("Bulk imports"),
            "page_title": _("Bulk imports"),
            "header_icon": "upload",
            "form": form,
            "jobs": ImportJob.objects.filter(owner=request.user).select_related("training_centre")[:20],
            "kinds": [(k, label) for k, label in ImportKind.choices if k in kinds],
            "scope_centre": access.scope_centre_for(request.user),
            "can_merge": access.can_merge_people(request.user),
            "held_jobs": places.held_jobs() if access.is_administrator(request.user) else [],
        },
    )


def _record_labels(request, job: ImportJob, rows: list[dict]) -> None:
    """Name the record each dry-run row is about (``row["record"]``): the person of a people or
    participation row (name and service number; a participation's name only when the uploader
    may read that person), the session of a session row, the plan line of a target row, the
    place of a reference-data row."""
    names = {}
    if job.kind == ImportKind.PARTICIPATIONS:
        numbers = {row["values"].get("service_number", "").strip() for row in rows} - {""}
        names = dict(
            permissions.people_visible_to(request.user)
            .filter(service_number__in=numbers)
            .values_list("service_number", "name_ar" if _arabic() else "name_latin")
        )
    for row in rows:
        values = row["values"]
        number = values.get("service_number", "").strip()
        if job.kind == ImportKind.PEOPLE:
            name = values.get("name_ar" if _arabic() else "name_latin") or values.get("name_ar", "")
        else:
            name = names.get(number, "")
        parts = {
            ImportKind.PEOPLE: [name, number],
            ImportKind.PARTICIPATIONS: [name, number, values.get("session_ref", "")],
            ImportKind.SESSIONS: [values.get("session_ref", ""), values.get("course_code", "")],
            ImportKind.TARGETS: [values.get(c, "") for c in ("year", "governorate", "training_centre", "course_code")],
        }.get(job.kind) or [values.get("code", ""), values.get("name_ar" if _arabic() else "name_en", "")]
        row["record"] = " · ".join(part.strip() for part in parts if part and part.strip())


def _arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def job_detail(request, pk):
    job = _own_job(request, pk)
    if job.status == JobStatus.COLUMNS:
        return redirect("imports:columns", pk=job.pk)
    rows = services.dry_run_rows(job) if job.dry_run_report else []
    # An error about the whole file (a missing column, a file of another kind) has no row.
    file_errors = [row["reason"] for row in rows if not row["line"]]
    rows = [row for row in rows if row["line"]]
    _record_labels(request, job, rows)
    for row in rows:
        row["status_label"] = services.STATUS_LABELS.get(row["status"], row["status"])
    problems = [r for r in rows if r["status"] == services.ERROR or r["reason"]]
    others = [r for r in rows if not (r["status"] == services.ERROR or r["reason"])]
    return render(
        request,
        "imports/job.html",
        {
            "header_title": str(job),
            "page_title": _("Import: %(kind)s") % {"kind": job.get_kind_display()},
            "page_subtitle": job.original_name,
            "header_icon": "upload",
            "job": job,
            "file_errors": file_errors,
            "problem_rows": problems[:PROBLEM_ROWS_SHOWN],
            "problems_hidden": max(0, len(problems) - PROBLEM_ROWS_SHOWN),
            "other_rows": others[:OTHER_ROWS_SHOWN],
            "others_hidden": max(0, len(others) - OTHER_ROWS_SHOWN),
            "status_labels": services.STATUS_LABELS,
            "progress": services.job_progress(job),
            "sheets": job.layout.get("sheets", []),
            "can_remap": bool(job.columns) and job.status in mapping.OPEN and bool(job.stored_name),
        },
    )


@require_POST
def job_sheet(request, pk):
    """The owner picks the workbook's sheet to read."""
    job = _own_job(request, pk)
    try:
        mapping.import_job_sheet_choose(job=job, sheet=request.POST.get("sheet", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:job", pk=job.pk)


def job_columns(request, pk):
    """The owner says which field each of the file's columns holds (or to ignore it)."""
    job = _own_job(request, pk)
    headers = job.layout.get("headers")
    if headers is None or job.status not in mapping.OPEN or not job.stored_name:
        return redirect("imports:job", pk=job.pk)
    chosen = list((job.columns or {}).get("fields") or job.layout.get("fields") or [])
    errors: list[str] = []
    if request.method == "POST":
        chosen = [request.POST.get(f"column-{index}", "") for index in range(len(headers))]
        try:
            mapping.import_job_columns_map(job=job, fields=chosen, user=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("imports:job", pk=job.pk)
    samples = job.layout.get("samples", [])
    kind_columns = FORMATS[job.kind]
    rows = [
        {
            "index": index,
            "header": header,
            "letter": get_column_letter(index + 1),
            "samples": [row[index] for row in samples if index < len(row) and row[index]],
            "chosen": chosen[index] if index < len(chosen) else "",
        }
        for index, header in enumerate(headers)
    ]
    while rows and not rows[-1]["header"] and not rows[-1]["samples"]:
        rows.pop()  # empty trailing columns
    return render(
        request,
        "imports/columns.html",
        {
            "header_title": str(job),
            "page_title": _("Match the file's columns"),
            "page_subtitle": job.original_name,
            "header_icon": "upload",
            "job": job,
            "rows": rows,
            "fields": [(c.name, layout.field_label(c), c.required, c.help) for c in kind_columns],
            "errors": errors,
            "header_line": job.layout.get("header_line"),
        },
    )


@require_POST
def places_accept(request, pk):
    """An administrator accepts creating the units and stations their file names (imports.places)."""
    job = _own_job(request, pk)
    if not access.is_administrator(request.user):
        raise PermissionDenied
    if request.POST.get("accept") != "1":
        messages.error(request, _("Tick the box to accept creating the units and stations."))
        return redirect("imports:job", pk=job.pk)
    # The step's form ticks place by place ("place": positions in the job's list); without it, all.
    chosen = [n for n in request.POST.getlist("place") if n.isdigit()] if "choosing" in request.POST else None
    shown = request.POST.getlist("shown") if "shown" in request.POST else None  # the list as shown
    try:
        places.import_job_places_accept(job=job, user=request.user, chosen=chosen, shown=shown)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:job", pk=job.pk)


@require_POST
def recheck(request, pk):
    """A job held for reference data, checked again."""
    job = _own_job(request, pk)
    try:
        places.import_job_recheck(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:job", pk=job.pk)


@require_POST
def job_confirm(request, pk):
    job = _own_job(request, pk)
    try:
        services.import_job_confirm(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:job", pk=job.pk)


def job_status(request, pk):
    job = _own_job(request, pk)
    return JsonResponse(services.job_progress(job))


def job_report(request, pk, which):
    job = _own_job(request, pk)
    text = {"dry-run": job.dry_run_report, "import": job.report}.get(which)
    if not text:
        raise Http404
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{job.kind}-{which}-report-{job.pk}.csv"'
    return response


def template_download(request, kind, fmt):
    kinds = _kinds_or_403(request.user)
    if kind not in kinds or fmt not in files.FORMATS:
        raise Http404
    arabic = request.GET.get("headers") == "ar"
    columns = FORMATS[kind]
    headers = [c.arabic if arabic else c.name for c in columns]
    suffix = "-ar" if arabic else ""
    if fmt == files.CSV:
        content, content_type = files.write_csv(headers, []), "text/csv; charset=utf-8"
    else:
        content = workbooks.template_workbook(kind, arabic=arabic)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template{suffix}.{fmt}"'
    return response


def duplicates(request):
    if not access.can_merge_people(request.user):
        raise PermissionDenied
    return render(
        request,
        "imports/duplicates.html",
        {
            "header_title": _("Possible duplicate people"),
            "page_title": _("Possible duplicate people"),
            "header_icon": "group",
            "groups": possible_duplicates(),
        },
    )


@require_POST
def merge(request):
    if not access.can_merge_people(request.user):
        raise PermissionDenied
    survivor = get_object_or_404(Person, pk=request.POST.get("survivor"))
    duplicate = get_object_or_404(Person, pk=request.POST.get("duplicate"))
    try:
        person_merge(survivor=survivor, duplicate=duplicate, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(duplicate)s was merged into %(survivor)s.") % {"duplicate": duplicate, "survivor": survivor},
        )
    return redirect(reverse("imports:duplicates"))
