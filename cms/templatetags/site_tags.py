"""Navigation and the language switcher for every public page (templates/base.html)."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info
from wagtail.models import Locale, Page, Site

register = template.Library()

# Languages a visitor may switch to even when a page has no translation in them yet; other
# enabled locales (Kurdish) appear only on pages translated into them.
SWITCHER_LANGUAGES = ("ar", "en")


def _localized_home(request) -> Page | None:
    """The home page in the active language (Arabic when there is none), under the site's root.

    Remembered on the request: the menu, the home link and the language switch each ask for it,
    and every page (the stored audit dashboards included) would otherwise pay the queries three times.
    """
    if request is None:
        return None
    language = get_language()
    remembered = getattr(request, "_localized_home", None)
    if remembered is not None and remembered[0] == language:
        return remembered[1]
    site = Site.find_for_request(request)
    home = None
    if site is not None:
        homes = Page.objects.child_of(site.root_page).live()
        home = homes.filter(locale=Locale.get_active()).first() or homes.filter(locale__language_code="ar").first()
    request._localized_home = (language, home)
    return home


@register.simple_tag(takes_context=True)
def site_menu(context) -> list[dict]:
    """The home page's live "show in menus" children in the active language."""
    request = context.get("request")
    home = _localized_home(request)
    if home is None:
        return []
    current = context.get("page")
    current_path = current.path if isinstance(current, Page) else ""
    return [
        {"title": child.title, "url": child.get_url(request), "active": current_path.startswith(child.path)}
        for child in home.get_children().live().in_menu().filter(locale=home.locale)
    ]


@register.simple_tag(takes_context=True)
def home_url(context) -> str:
    request = context.get("request")
    home = _localized_home(request)
    return home.get_url(request) if home is not None else "/"


@register.simple_tag(takes_context=True)
def language_choices(context) -> list[dict]:
    """One entry per language to offer: its local name and where switching leads.

    On a Wagtail page that is the page's live translation, else the translated home page; on any
    other page, the same address in the other language (``translate_url``).
    """
    request = context.get("request")
    current_language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    page = context.get("page")
    translations: dict[str, str] = {}
    if isinstance(page, Page) and page.pk:
        for translation in page.get_translations().live().select_related("locale"):
            translations[translation.locale.language_code] = translation.get_url(request)
    home = _localized_home(request)
    choices = []
    for code, _name in settings.LANGUAGES:
        if code == current_language or (code not in SWITCHER_LANGUAGES and code not in translations):
            continue
        if code in translations:
            next_url = translations[code]
        elif isinstance(page, Page) and home is not None:
            target = home.get_translation_or_none(Locale.objects.filter(language_code=code).first())
            next_url = target.get_url(request) if target is not None and target.live else "/"
        else:
            path = request.get_full_path() if request is not None else "/"
            next_url = translate_url(path, code)
        info = get_language_info(code)
        choices.append({"code": code, "name": info["name_local"], "next": next_url, "bidi": info["bidi"]})
    return choices
