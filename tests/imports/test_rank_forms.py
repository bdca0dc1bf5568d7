"""Rank forms real rosters write that are not the template's words."""

import pytest

from imports import synonyms

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("الرائد الحقوقي", "major"),
        ("رائد حقوقي", "major"),
        ("النقيب الحقوقي", "captain"),
        ("العقيد المهندس", "colonel"),
        ("نائب ضابط", "commissioner"),
        ("نائب ضابط شرطة", "commissioner"),
        ("ن.ض.", "commissioner"),
        ("Warrant Officer", "commissioner"),
    ],
)
def test_a_rank_with_its_qualification_and_the_warrant_officer_are_read(written, value):
    assert synonyms.choice_value("rank", written) == value
