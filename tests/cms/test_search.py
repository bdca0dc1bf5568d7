"""Site search finds Arabic as people type it, and shows where each page matched."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from cms import search as site_search
from courses.text import search_word, search_words

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("التعذيب", "تعذيب"),
        ("تعذيب", "تعذيب"),
        ("الإنسان", "انسان"),
        ("الانسان", "انسان"),
        ("بالمدرسة", "مدرسه"),
        ("للتعذيب", "تعذيب"),
        ("مُستشفى", "مستشفي"),
        ("حقـــوق", "حقوق"),
        ("آمن", "امن"),
        ("الى", "الي"),  # too short to lose an article
    ],
)
def test_each_word_is_folded_and_loses_its_article(typed, key):
    assert search_word(typed) == key


def test_the_query_keeps_each_word_once():
    assert search_words("حقوق الإنسان وحقوق الانسان") == ["حقوق", "انسان", "وحقوق"]


@pytest.fixture
def courses(db):
    call_command("load_courses", "--course", "MPS-03", verbosity=0)
    cache.clear()


def test_a_word_without_its_article_finds_what_the_word_with_it_finds(client, courses):
    with_article = client.get(reverse("search"), {"q": "التعذيب"}).context["results"]
    without = client.get(reverse("search"), {"q": "تعذيب"}).context["results"]
    assert with_article, "the course content speaks of التعذيب"
    assert [r["page"].pk for r in without] == [r["page"].pk for r in with_article]


def test_hamza_does_not_matter_and_results_show_a_snippet(client, courses):
    hamza = client.get(reverse("search"), {"q": "حقوق الإنسان"})
    plain = client.get(reverse("search"), {"q": "حقوق الانسان"})
    assert plain.context["results"]
    assert [r["page"].pk for r in plain.context["results"]] == [r["page"].pk for r in hamza.context["results"]]
    body = plain.content.decode()
    assert '<p class="snippet">' in body and "<mark>" in body
    first = plain.context["results"][0]["snippet"]
    assert any(marked for _text, marked in first)


def test_nothing_matches_nonsense_and_a_publication_refreshes_the_index(client, courses):
    assert client.get(reverse("search"), {"q": "زززززز"}).context["results"] == []
    from wagtail.models import Locale, Page

    arabic = Locale.objects.get(language_code="ar")
    page = Page.objects.live().filter(locale=arabic, depth__gt=2).first().specific
    page.title = f"{page.title} زززززز"
    page.save_revision().publish()
    hits = site_search.search("زززززز", arabic)
    assert [hit.page_id for hit in hits] == [page.pk]
