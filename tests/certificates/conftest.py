"""Fixtures for certificates: a closed cascade session with named completers, staff of each role.

Certificate files go to a temporary directory per test; the QR code holds a fixed public address.
"""

from dataclasses import dataclass

import pytest

from cascade import services as cascade_services
from cascade.models import Outcome, SessionKind, TrainingSession
from lms import roles
from lms.models import Gender, Person, Rank
from tests.cascade.personas import login
from tests.factories import PersonFactory, PoliceUnitFactory, TrainingCentreFactory, governorate

SITE = "https://training.example.gov.iq"


@pytest.fixture(autouse=True)
def certificate_settings(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.SITE_BASE_URL = SITE
    return settings


@dataclass
class Closed:
    session: TrainingSession
    completer: Person  # completed: earns a certificate
    dropout: Person  # incomplete: earns none


def closed_session(
    cascade, *, kind=SessionKind.CASCADE, centre=None, ref_person=None, extra_completers: int = 0
) -> Closed:
    """A closed session of ``kind`` at ``centre`` with one completer (a woman) and one dropout."""
    lead = cascade.master if kind in (SessionKind.TOT, SessionKind.DIRECT) else cascade.qualified_trainer()
    session = cascade.session(kind=kind, lead=lead)
    if centre is not None:
        session.training_centre, session.governorate = centre, centre.governorate
        session.save(update_fields=["training_centre", "governorate"])
    completer = ref_person or PersonFactory()
    dropout = PersonFactory()
    cascade_services.participation_record(
        session=session, person=completer, outcome=Outcome.COMPLETED, pre_score=45, post_score=85
    )
    cascade_services.participation_record(session=session, person=dropout, outcome=Outcome.INCOMPLETE)
    for _ in range(extra_completers):
        cascade_services.participation_record(session=session, person=PersonFactory(), outcome=Outcome.COMPLETED)
    cascade_services.session_close(session=session)
    return Closed(session=session, completer=completer, dropout=dropout)


@pytest.fixture
def closed(cascade) -> Closed:
    """A cascade session completed by a woman officer whose record holds everything not to leak."""
    zainab = PersonFactory(
        name_ar="زينب حسين علي",
        name_latin="Zainab Hussein Ali",
        gender=Gender.FEMALE,
        rank=Rank.FIRST_LIEUTENANT,
        unit=PoliceUnitFactory(name_en="Karkh Juvenile Police Directorate", name_ar="مديرية شرطة أحداث الكرخ"),
        service_number="SN-7731904",
    )
    return closed_session(cascade, ref_person=zainab)


@pytest.fixture
def staff(closed):
    """One login per role: managers and officers of the session's place and of another place."""
    session = closed.session
    other_centre = TrainingCentreFactory(governorate=governorate("BA"))
    trainee = login("trainee", roles.TRAINEE, person=closed.completer)
    return {
        "trainee": trainee,
        "other_trainee": login("other-trainee", roles.TRAINEE, person=closed.dropout),
        "manager": login("manager", roles.CENTRE_MANAGER, centre=session.training_centre),
        "other_manager": login("other-manager", roles.CENTRE_MANAGER, centre=other_centre),
        "officer": login("officer", roles.GOVERNORATE_OFFICER, governorate=session.governorate),
        "other_officer": login("other-officer", roles.GOVERNORATE_OFFICER, governorate=governorate("BA")),
        "auditor": login("auditor", roles.DIRECTORATE_AUDITOR),
        "administrator": login("administrator", roles.ADMINISTRATOR),
        "other_centre": other_centre,
    }
