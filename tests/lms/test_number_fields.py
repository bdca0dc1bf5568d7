"""Every number field of the site reads Arabic-Indic and Persian digits (٦٥, ۶۵, ٦٥٫٥)."""

from decimal import Decimal

import pytest
from django import forms
from django.apps import apps

from cascade.workspace.forms import RosterRowForm, SessionEditForm
from courses.numbers import NumberInput, western_digits


@pytest.mark.parametrize(
    ("typed", "read"),
    [("٦٥", "65"), ("۶۵", "65"), ("٦٥٫٥", "65.5"), ("١٬٢٣٤", "1234"), (" 42 ", "42"), ("12.5", "12.5")],
)
def test_digits_of_any_keyboard_are_read_as_western_digits(typed, read):
    assert western_digits(typed) == read


def test_every_number_form_field_uses_the_shared_widget():
    for field in (forms.IntegerField(), forms.DecimalField(), forms.FloatField()):
        assert isinstance(field.widget, NumberInput)
        html = field.widget.render("n", None)
        assert 'type="text"' in html and 'inputmode="decimal"' in html  # the browser keeps ٦٥ as typed


def test_every_model_number_field_gets_the_shared_widget():
    checked = 0
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not getattr(field, "concrete", False) or field.choices or field.primary_key or field.is_relation:
                continue
            form_field = field.formfield()
            if isinstance(form_field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
                assert isinstance(form_field.widget, NumberInput), f"{model.__name__}.{field.name}"
                checked += 1
    assert checked > 10


def test_session_form_reads_arabic_digits():
    form = SessionEditForm(
        {"start_date": "2026-01-04", "end_date": "2026-01-05", "headcount_male": "٢٥", "headcount_female": "۱۲"}
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["headcount_male"], form.cleaned_data["headcount_female"]) == (25, 12)


@pytest.mark.django_db
def test_roster_scores_typed_in_arabic_digits_are_kept(cascade):
    from cascade.models import SessionKind
    from cascade.services import participation_record
    from tests.factories import PersonFactory

    session = cascade.session(kind=SessionKind.TOT, lead=cascade.master)
    participation = participation_record(session=session, person=PersonFactory())
    prefix = f"p{participation.person_id}"
    data = {f"{prefix}-pre_score": "٦٥", f"{prefix}-post_score": "٨٧٫٥", f"{prefix}-outcome": participation.outcome}
    row = RosterRowForm(data, participation=participation, session_days=session.days, days_present=[])
    assert row.is_valid(), row.errors
    assert row.cleaned_data["pre_score"] == Decimal("65")
    assert row.cleaned_data["post_score"] == Decimal("87.5")
