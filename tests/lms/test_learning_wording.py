"""Words of the learner's course page: counts in the plural the number asks for (Arabic has six forms),
and a locked module says what it waits for."""

import pytest
from django.test import Client
from django.urls import reverse

from lms.models import QuizKind
from tests.lms.conftest import client_for
from tests.lms.test_learning_services import take
from tests.lms.test_learning_views import english_client

pytestmark = pytest.mark.django_db


def arabic_client(person) -> Client:
    return client_for(person)  # the site's default language is Arabic


def test_lesson_counts_use_the_arabic_plural_of_their_number(enrolment):
    """The small course has 4 lessons: 3–10 take the plural "دروس", never the accusative "درسًا"."""
    page = arabic_client(enrolment.person).get(reverse("lms:course", args=[enrolment.course.code])).content.decode()
    assert "أُكمل 0 من أصل 4 دروس" in page
    assert "درسًا" not in page


def test_lesson_counts_in_english_say_lessons(enrolment):
    page = english_client(enrolment.person).get(reverse("lms:course", args=[enrolment.course.code])).content.decode()
    assert "0 of 4 lessons completed" in page


def test_before_the_pre_test_the_first_module_says_it_waits_for_the_pre_test(enrolment):
    url = reverse("lms:course", args=[enrolment.course.code])
    page = arabic_client(enrolment.person).get(url).content.decode()
    assert "تُفتح بعد الاختبار القبلي." in page
    assert "تُفتح بعد إنهاء الوحدات التي قبلها" not in page  # module 1 has none before it
    english = english_client(enrolment.person).get(url).content.decode()
    assert "Opens after the pre-test." in english
    assert "Opens after the pre-test and the modules before it." in english  # module 2


def test_after_the_pre_test_a_later_module_waits_for_the_modules_before_it(enrolment, answers):
    take(enrolment, QuizKind.PRE_TEST, answers=answers)
    page = arabic_client(enrolment.person).get(reverse("lms:course", args=[enrolment.course.code])).content.decode()
    assert "تُفتح بعد إنهاء الوحدات التي قبلها." in page
    assert "تُفتح بعد الاختبار القبلي" not in page
