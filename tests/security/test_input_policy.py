"""One input policy for names, service numbers and free text, used by forms, imports and exports.

The probe: a right-to-left override (U+202E) in a name printed reversed on the certificate and the
verify page; NUL bytes passed an import dry run; the trainer's new-person form accepted service
numbers like ``=1+2`` and ``<b>SN</b>`` (which become login names); and ``create_trainee_accounts``
wrote names and numbers into its CSV as given.
"""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from imports.services import records_import
from lms import input_policy
from lms.models import Gender, Person
from tests.cascade.personas import build_world, trainer_login
from tests.factories import PersonFactory
from tests.imports.helpers import dataset

HIDDEN = [
    "\u202e",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\x00",
    "\x07",
    "\u200b",
]


@pytest.mark.parametrize("character", HIDDEN)
def test_names_and_numbers_refuse_hidden_characters_naming_the_field(character):
    with pytest.raises(ValidationError) as refused:
        input_policy.check_name(f"سارة{character}محمد", field="Arabic name")
    assert "Arabic name" in refused.value.messages[0]
    assert f"U+{ord(character):04X}" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        input_policy.check_service_number(f"12{character}34", field="service number")
    with pytest.raises(ValidationError):
        input_policy.check_free_text(f"notes{character}", field="Notes")


@pytest.mark.parametrize("number", ["=1+2", "<b>SN</b>", "+964", "-1", "@SUM(A1)", "12 34", "١٢=٣"])
def test_service_numbers_are_letters_digits_dash_and_slash(number):
    with pytest.raises(ValidationError):
        input_policy.check_service_number(number)


def test_real_names_numbers_and_notes_pass():
    assert input_policy.check_name(" عبد الله بن محمد ", field="n") == "عبد الله بن محمد"
    assert input_policy.check_name("O'Neil-Smith (Jr.)", field="n")
    assert input_policy.check_name("مُحَمَّد", field="n")  # with marks
    assert input_policy.check_service_number("١٢٣٤٥") == "12345"
    assert input_policy.check_service_number("DEMO-12/3") == "DEMO-12/3"
    assert input_policy.check_free_text("line one\nline two\tend", field="n")


@given(st.text(alphabet=st.characters(categories=["Cc", "Cf"], exclude_characters="\u200c\u200d"), min_size=1))
def test_no_control_or_format_character_passes_a_name(hidden):
    with pytest.raises(ValidationError):
        input_policy.check_name("علي" + hidden, field="n")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_number", "=1+2"),
        ("service_number", "<b>SN</b>"),
        ("name_ar", "سارة\u202eمحمد"),
        ("name_latin", "Sara\x00Mohammed"),
    ],
)
def test_the_trainers_new_person_form_refuses_what_the_import_refuses(client, cascade, field, value):
    world = build_world(cascade)
    client.force_login(trainer_login(world.trainer_a))
    data = {
        "action": "create",
        "new-service_number": "NEW-0002",
        "new-name_ar": "سارة محمد",
        "new-name_latin": "Sara Mohammed",
        "new-gender": Gender.FEMALE,
        "new-rank": "lieutenant",
        "new-governorate": world.session_a.governorate_id,
        f"new-{field}": value,
    }
    response = client.post(reverse("cascade:workspace_participant_add", args=[world.session_a.pk]), data)
    assert response.status_code == 200
    assert field in response.context["new_person"].errors
    assert not Person.objects.filter(service_number__in=["NEW-0002", value]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["حسن\x00علي", "حسن\u202eعلي", "Hassan\u2066"])
def test_an_import_dry_run_refuses_nul_and_direction_controls(cascade, bad):
    from imports.columns import PEOPLE

    headers = [column.name for column in PEOPLE]
    row = {name: "" for name in headers}
    row.update(service_number="9100001", name_ar="حسن علي", name_latin="Hassan Ali", gender="M", governorate="Baghdad")
    row["name_ar" if "\u2066" not in bad else "name_latin"] = bad
    outcome = records_import(kind="people", dataset=dataset(headers, [[row[h] for h in headers]]), dry_run=True)
    assert outcome.has_errors
    assert any("U+" in (report.reason or "") for report in outcome.error_rows())
    assert not Person.objects.filter(service_number="9100001").exists()


@pytest.mark.django_db
def test_create_trainee_accounts_writes_a_formula_safe_csv(cascade):
    PersonFactory(service_number="FS-1", name_ar='=HYPERLINK("http://x")', name_latin="+cmd")
    out = io.StringIO()
    call_command("create_trainee_accounts", "FS-1", stdout=out, stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    (account,) = [r for r in rows[1:] if r and r[0] == "FS-1"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in account)
    assert account[1].startswith("'")
