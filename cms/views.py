"""Site search over the live pages of the visitor's language (``cms.search``: Arabic as typed)."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from wagtail.models import Locale, Page

from cms import search as site_search

RESULTS_PER_PAGE = 10


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = site_search.search(query, Locale.get_active()) if query else []
    page = Paginator(hits, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    pages = Page.objects.filter(pk__in=[hit.page_id for hit in page]).specific().in_bulk()
    results = [{"page": pages[hit.page_id], "snippet": hit.snippet} for hit in page if hit.page_id in pages]
    return TemplateResponse(
        request, "cms/search.html", {"search_query": query, "results": results, "paginator_page": page}
    )
