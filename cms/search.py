"""Site search in Arabic as people type it: spelling variants and the article do not matter.

Wagtail's database search backend matches words as stored, so "تعذيب" missed pages that say
"التعذيب" and "حقوق الانسان" (no hamza) missed "حقوق الإنسان"; it has no Arabic analyser to plug
in. The site's pages are few (courses, modules, lessons, about pages), so the search reads their
text itself: every word folded by ``courses.text.search_word`` (hamza forms, ة/ه, ى/ي, tatweel,
diacritics, the article), kept in the cache until a page of that language is published or
withdrawn. A page matches when it holds every word of the query (a word of three letters or more
also matches as the start of a longer word); pages whose title holds the words come first. Each
hit carries a snippet: the words around the first match, the matched words marked.
"""

from dataclasses import dataclass
from html import unescape

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.html import strip_tags
from wagtail.fields import StreamValue
from wagtail.models import Page

from courses.text import search_words, word_spans

TEXT_FIELDS = ("search_description", "summary", "audience", "objectives", "body")
SNIPPET_BEFORE = 12  # words
SNIPPET_AFTER = 24
PREFIX_MIN = 3
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Hit:
    page_id: int
    snippet: list[tuple[str, bool]]  # (text, is a match) pieces, for the template to mark


def _strings(value) -> list[str]:
    """Every string inside a StreamField's raw data (nested blocks, lists, dicts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() if key not in ("type", "id") for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def page_text(page: Page) -> str:
    """A page's readable text (title excluded), as plain text."""
    parts = []
    for name in TEXT_FIELDS:
        value = getattr(page, name, None)
        if isinstance(value, StreamValue):
            parts.extend(_strings([dict(item) for item in value.raw_data]))
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(unescape(strip_tags(part)) for part in parts if part).replace("\xa0", " ")


def _documents(locale) -> list[tuple[int, str, str]]:
    """(page id, title, text) of the live, public pages of ``locale``; cached per publication state."""
    pages = Page.objects.live().public().filter(locale=locale, depth__gt=1)
    stamp = pages.aggregate(latest=Max("last_published_at"), n=Count("pk"), top=Max("pk"))
    key = f"site-search:{locale.pk}:{stamp['n']}:{stamp['top']}:{stamp['latest'] and stamp['latest'].timestamp()}"
    documents = cache.get(key)
    if documents is None:
        documents = [(page.pk, page.title, page_text(page)) for page in pages.specific().iterator()]
        cache.set(key, documents, CACHE_SECONDS)
    return documents


def _matches(term: str, key: str) -> bool:
    return key == term or (len(term) >= PREFIX_MIN and key.startswith(term))


def _snippet(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    spans = word_spans(text)
    first = next((i for i, (_s, _e, key) in enumerate(spans) if any(_matches(t, key) for t in terms)), None)
    if first is None:
        start_word, end_word = 0, min(len(spans), SNIPPET_BEFORE + SNIPPET_AFTER)
    else:
        start_word, end_word = max(0, first - SNIPPET_BEFORE), min(len(spans), first + SNIPPET_AFTER)
    if not spans:
        return []
    pieces: list[tuple[str, bool]] = [("… ", False)] if start_word > 0 else []
    cursor = spans[start_word][0]
    for start, end, key in spans[start_word:end_word]:
        if any(_matches(t, key) for t in terms):
            pieces.append((text[cursor:start], False))
            pieces.append((text[start:end], True))
            cursor = end
    pieces.append((text[cursor : spans[end_word - 1][1]], False))
    if end_word < len(spans):
        pieces.append((" …", False))
    return [(piece, marked) for piece, marked in pieces if piece]


def search(query: str, locale) -> list[Hit]:
    """The pages of ``locale`` holding every word of ``query``, best first, each with a snippet."""
    terms = [term for term in search_words(query) if term]
    if not terms:
        return []
    ranked = []
    for page_id, title, text in _documents(locale):
        title_keys = {key for _s, _e, key in word_spans(title)}
        text_keys = [key for _s, _e, key in word_spans(text)]
        every = set(text_keys) | title_keys
        if not all(any(_matches(term, key) for key in every) for term in terms):
            continue
        in_title = sum(1 for term in terms if any(_matches(term, key) for key in title_keys))
        count = sum(1 for key in text_keys if any(_matches(term, key) for term in terms))
        ranked.append((-in_title, -count, page_id, text))
    ranked.sort()
    return [Hit(page_id, _snippet(text, terms)) for _t, _c, page_id, text in ranked]
