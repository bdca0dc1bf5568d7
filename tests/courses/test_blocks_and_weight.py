"""Bad lesson input is refused on the field; rich text is whitelisted; a lesson page stays under 150 KB."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.rich_text import RichText

from courses.blocks import (
    NO_CORRECT_CHOICE,
    VIDEO_SOURCE_REQUIRED,
    VIDEO_TRANSCRIPT_REQUIRED,
    QuestionBlock,
    SafeRichTextBlock,
    TrueFalseQuestionBlock,
    VideoBlock,
)
from courses.models import LessonPage

PAGE_BUDGET_BYTES = 150 * 1024


def question(*correct: bool) -> dict:
    return {
        "module": 1,
        "prompt": "سؤال",
        "choices": [{"text": f"خيار {i}", "is_correct": flag, "feedback": ""} for i, flag in enumerate(correct)],
    }


def test_a_question_without_a_correct_answer_is_refused_on_its_choices():
    block = QuestionBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python(question(False, False, False)))
    assert error.value.block_errors["choices"].messages == [str(NO_CORRECT_CHOICE)]
    assert block.clean(block.to_python(question(False, True)))


def test_a_true_false_question_has_exactly_two_choices_one_correct():
    block = TrueFalseQuestionBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python(question(True, True)))
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python(question(True, False, False)))


@pytest.mark.django_db
def test_a_video_without_transcript_is_refused_on_the_transcript_field():
    block = VideoBlock()
    value = {"file": None, "embed": None, "transcript": " "}
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(value)
    assert error.value.block_errors["transcript"].messages == [str(VIDEO_TRANSCRIPT_REQUIRED)]
    assert error.value.block_errors["file"].messages == [str(VIDEO_SOURCE_REQUIRED)]


def test_rich_text_loses_scripts_and_event_handlers():
    dirty = (
        '<p onclick="steal()">نص <b onmouseover="x()">مهم</b><script>alert(1)</script></p><img src=x onerror=alert(1)>'
    )
    clean = SafeRichTextBlock().clean(RichText(dirty)).source
    assert "script" not in clean and "onclick" not in clean and "onmouseover" not in clean and "onerror" not in clean
    assert "نص" in clean and "<b>مهم</b>" in clean


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


@pytest.mark.django_db
def test_a_lesson_page_with_its_css_and_js_weighs_under_150_kb(client, two_courses, settings):
    lesson = LessonPage.objects.filter(locale__language_code="ar").live().first()
    response = client.get(lesson.url)
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.text)
    assert parser.urls, "the page links its stylesheet"
    total = len(response.content)
    for url in parser.urls:
        assert url.startswith(settings.STATIC_URL), f"{url} is not served locally"
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, url
        total += Path(path).stat().st_size
    print(f"lesson page: {len(response.content)} B HTML, {total} B with CSS and JS")
    assert total < PAGE_BUDGET_BYTES
    assert "//cdn" not in response.text and "https://" not in response.text.split("<body")[0]


def test_validation_error_class_is_a_validation_error():
    assert issubclass(StructBlockValidationError, ValidationError)
