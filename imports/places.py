"""Units and stations a people file names that nobody has recorded yet.

The dry run notes them (``ImportJob.missing_places``, with the near matches it suggested) and,
when they are the file's only errors, keeps the file:
- an administrator chooses, place by place (each beside its near matches, all ticked at first),
  which to create: ``import_job_places_accept`` checks the file again with ``create_places`` (the
  places chosen created inside the dry run's transaction, so the report shows what the import will
  do). When every place was chosen, the real import creates them in its own transaction, with the
  people; the rows of a place left unchosen stay errors naming their row (a misspelling of a
  recorded place: correct the file), and the choice is kept on the job (each place's ``create``)
  so the step shows it again;
- a training-centre manager's job is held (``JobStatus.HELD``) until an administrator has loaded
  them (a reference-data import, or People and places); ``import_job_recheck`` then checks the
  kept file again.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from imports import access, layout, matching, services
from imports.models import ImportJob, JobStatus
from imports.storage import upload_read

NOTHING_TO_ACCEPT = _("This import names no unit or station to create, or it has already been checked.")
ADMINISTRATORS_ONLY = _("Only an administrator may create units and stations.")
NOT_HELD = _("This import is not waiting for reference data.")


NOTHING_CHOSEN = _("Tick the units and stations to create.")
LIST_CHANGED = _(
    "The list of units and stations to create has changed since this page was shown (the file was "
    "checked again). Look at the list again and tick the places to create."
)


def _check_again(job: ImportJob, *, create_places: bool | frozenset, listed: list[dict] | None = None) -> ImportJob:
    """The job's file checked again; ``create_places``: True (all), False, or the ``place_key`` of the
    places chosen among ``listed`` (the job's list of missing places, each marked ``create``)."""
    with upload_read(job.stored_name) as path:  # this node keeps no copy once the file is read
        if path is None or not path.exists():
            raise ValidationError(services.FILE_GONE)
        dataset = layout.job_dataset(job)
    outcome = services.records_import(
        kind=job.kind,
        dataset=dataset,
        dry_run=True,
        user=job.owner,
        scope_centre=job.training_centre,
        create_places=create_places,
    )
    services._record_counts(job, outcome)
    job.dry_run_report = outcome.report_csv()
    job.missing_places = outcome.missing_places if outcome.only_missing_places else []
    if job.missing_places and listed is not None:
        # Some places were left unchosen: the step lists every place again with the choice made.
        job.missing_places = listed
    job.create_places = bool(create_places) and not outcome.has_errors
    if job.training_centre_id and job.missing_places:
        job.status = JobStatus.HELD
    else:
        job.status = JobStatus.CHECKED
    if outcome.has_errors and not job.missing_places:
        services._delete_file(job)
    job.save()
    return job


def place_shown(place: dict) -> str:
    """How the choice form names a place of the list (sent back beside the ticks, so a list that
    changed since the form was shown is noticed): its kind, governorate and name as written."""
    return " ".join(f"{place['place']} {place['governorate']} {place['name']}".split())


@transaction.atomic
def import_job_places_accept(
    *, job: ImportJob, user, chosen: Iterable[int] | None = None, shown: list[str] | None = None
) -> ImportJob:
    """An administrator accepts creating the units and stations their file names: checked again.
    ``chosen``: the positions, in ``job.missing_places``, of the places to create (None: all);
    ``shown``: the list as the form showed it (``place_shown`` of each place, in order). When the
    file was checked again since, the positions may stand for other places: refused, to look again."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not access.is_administrator(user) or job.training_centre_id is not None:
        raise ValidationError(ADMINISTRATORS_ONLY)
    if job.status != JobStatus.CHECKED or not job.missing_places:
        raise ValidationError(NOTHING_TO_ACCEPT)
    listed = job.missing_places
    if shown is not None and [" ".join(name.split()) for name in shown] != [place_shown(p) for p in listed]:
        raise ValidationError(LIST_CHANGED, code="list_changed")
    picked = set(range(len(listed))) if chosen is None else {int(i) for i in chosen} & set(range(len(listed)))
    if not picked:
        raise ValidationError(NOTHING_CHOSEN)
    if len(picked) == len(listed):
        return _check_again(job, create_places=True)
    marked = [{**place, "create": index in picked} for index, place in enumerate(listed)]
    keys = frozenset(
        matching.place_key(place["place"], place["governorate"], place["name"]) for place in marked if place["create"]
    )
    return _check_again(job, create_places=keys, listed=marked)


@transaction.atomic
def import_job_recheck(*, job: ImportJob) -> ImportJob:
    """A held job's file checked again, once the reference data it waited for may be there."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.HELD:
        raise ValidationError(NOT_HELD)
    return _check_again(job, create_places=False)


def held_jobs() -> list[ImportJob]:
    """Managers' jobs waiting for reference data (for administrators: what to add)."""
    return list(ImportJob.objects.filter(status=JobStatus.HELD).select_related("owner", "training_centre")[:50])
