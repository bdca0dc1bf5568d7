"""The site shell's page tree: a home page per language with its course catalogue and about page.

``site_shell_ensure`` is idempotent: it creates what is missing and leaves existing pages (and
editors' changes to them) alone. The tree: the site root (redirects ``/``) → one home page per
language with slug ``ar`` / ``en`` (so the addresses are ``/ar/…`` and ``/en/…``) → catalogue and
about page. Arabic is the source language; English pages are translations (same
``translation_key``).
"""

from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import AboutPage, CourseCataloguePage, HomePage, SiteRootPage
from courses.loading import page_publish_new

HOME = {
    "ar": {
        "title": "التدريب على مراكز الشرطة النموذجية",
        "intro": [
            "منصة التعلم الخاصة بالمقررات الإلزامية الثمانية لمراكز الشرطة النموذجية في وزارة الداخلية العراقية.",
            "تُعتمد المناهج من مديرية التدريب والتأهيل، وتُقرأ الدروس على الهاتف وعلى الاتصالات الضعيفة.",
        ],
    },
    "en": {
        "title": "Model Police Station training",
        "intro": [
            "The learning platform for the eight mandatory Model Police Station courses of Iraq's Ministry of "
            "Interior.",
            "Curricula are approved by the Training and Qualifications Directorate; lessons read well on phones "
            "and weak connections.",
        ],
    },
}
CATALOGUE = {
    "ar": {
        "title": "المقررات",
        "intro": [
            "ثمانية مقررات إلزامية ضمن خطة التدريب السنوية لجميع مراكز تدريب وزارة الداخلية. حقوق الإنسان ووصول "
            "المرأة إلى العدالة محوران مشتركان في جميع المقررات."
        ],
    },
    "en": {
        "title": "Courses",
        "intro": [
            "Eight mandatory courses in the national annual training plan of every MOI training centre. Human "
            "rights and women's access to justice run through all of them."
        ],
    },
}
ABOUT = {
    "ar": {
        "title": "عن البرنامج",
        "body": [
            "تعمل وزارة الداخلية على تحويل الشرطة المحلية من قوة ذات طابع عسكري إلى خدمة شرطية متمحورة حول الناس "
            "(من الأخضر إلى الأزرق). ومنذ عام 2020 تعمل مراكز شرطة نموذجية تجريبية في الأنبار ونينوى والبصرة وبغداد "
            "كمراكز شاملة تضم وحدات حماية الأسرة وشرطة الأحداث والشرطة المجتمعية تحت إشراف آمر المركز.",
            "التدريب هو العمود الفقري للبرنامج: ثماني دورات إلزامية صُممت بالشراكة مع مديرية التدريب والتأهيل، "
            "وتُقدَّم بأسلوب التدريب التعاقبي: المدربون الرئيسيون يدربون المدربين، ثم يدرّب مدربو الوزارة منتسبي "
            "الشرطة في مراكز التدريب.",
        ],
        "contact": "مديرية التدريب والتأهيل — وزارة الداخلية، بغداد",
    },
    "en": {
        "title": "About the programme",
        "body": [
            "The Ministry of Interior is turning the Local Police from a militarised force into a people-centred "
            "police service (\u201cGreen to Blue\u201d). Since 2020, pilot Model Police Stations in Anbar, Ninewa, "
            "Basra and Baghdad work as one-stop shops that bring family protection, juvenile police and community "
            "policing units under the station commander.",
            "Training is the backbone of the programme: eight mandatory courses co-designed with the Training and "
            "Qualifications Directorate and delivered by cascade: master trainers train trainers, and MOI trainers "
            "then train police personnel at the training centres.",
        ],
        "contact": "Training and Qualifications Directorate — Ministry of Interior, Baghdad",
    },
}
LANGUAGES = ("ar", "en")
WAGTAIL_SITE_TITLE = "MPS training"


@dataclass(frozen=True)
class SiteShell:
    homes: dict[str, HomePage]
    catalogues: dict[str, CourseCataloguePage]
    about: dict[str, AboutPage]


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{escape(text)}</p>" for text in texts)


@transaction.atomic
def site_shell_ensure() -> SiteShell:
    """The home, catalogue and about pages in Arabic and English, created where missing."""
    locales = {code: Locale.objects.get(language_code=code) for code in LANGUAGES}
    site_root = _site_root(locales["ar"])
    homes: dict[str, HomePage] = {}
    catalogues: dict[str, CourseCataloguePage] = {}
    about: dict[str, AboutPage] = {}
    for code in LANGUAGES:
        homes[code] = _ensure(
            site_root,
            HomePage,
            source=homes.get("ar"),
            locale=locales[code],
            build=lambda code=code: HomePage(
                title=HOME[code]["title"], slug=code, intro=_paragraphs(HOME[code]["intro"])
            ),
        )
        catalogues[code] = _ensure(
            homes[code],
            CourseCataloguePage,
            source=catalogues.get("ar"),
            locale=locales[code],
            build=lambda code=code: CourseCataloguePage(
                title=CATALOGUE[code]["title"],
                slug="courses",
                intro=_paragraphs(CATALOGUE[code]["intro"]),
                show_in_menus=True,
            ),
        )
        about[code] = _ensure(
            homes[code],
            AboutPage,
            source=about.get("ar"),
            locale=locales[code],
            build=lambda code=code: AboutPage(
                title=ABOUT[code]["title"],
                slug="about",
                body=_paragraphs(ABOUT[code]["body"]),
                contact=ABOUT[code]["contact"],
                show_in_menus=True,
            ),
        )
    return SiteShell(homes=homes, catalogues=catalogues, about=about)


def _site_root(locale: Locale) -> SiteRootPage:
    """The default site's root page, replacing Wagtail's placeholder welcome page on a new site."""
    site = Site.objects.filter(is_default_site=True).first()
    current = site.root_page.specific if site else None
    if isinstance(current, SiteRootPage):
        return current
    site_root = SiteRootPage.objects.first()
    placeholder = None
    if site_root is None:
        placeholder = current if current is not None and type(current) is Page and current.is_leaf() else None
        if placeholder is not None:  # frees its slug ("home") before the new root takes it
            placeholder.slug = f"{placeholder.slug}-placeholder"
            placeholder.save(update_fields=["slug"])
        site_root = page_publish_new(
            Page.get_first_root_node(), SiteRootPage(title=WAGTAIL_SITE_TITLE, slug="home", locale=locale)
        )
    if site is None:
        # Named, so the admin's dashboard greets with the programme's name rather than "localhost".
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=site_root,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    else:
        site.root_page = site_root
        site.site_name = site.site_name or settings.WAGTAIL_SITE_NAME
        site.save(update_fields=["root_page", "site_name"])
    if placeholder is not None:  # deleted only now: deleting a site's root page deletes the site
        placeholder.delete()
    return site_root


def _ensure(parent: Page, model: type[Page], *, source: Page | None, locale: Locale, build) -> Page:
    """The ``model`` child of ``parent`` in ``locale`` (a translation of ``source`` if given), created if missing."""
    if source is not None:
        existing = model.objects.filter(translation_key=source.translation_key, locale=locale).first()
    else:
        existing = model.objects.child_of(parent).filter(locale=locale).first()
    if existing is not None:
        return existing
    page = build()
    page.locale = locale
    if source is not None:
        page.translation_key = source.translation_key
    return page_publish_new(parent, page)
