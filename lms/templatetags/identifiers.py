"""Service numbers and certificate serials on pages: each an isolated left-to-right run that never
breaks across lines.

In an Arabic line a bare "(DEMO-0008673)" is reordered around its hyphen and, on a narrow screen,
split at it; ``<bdi dir="ltr">`` keeps its order and the ``identifier`` class (static/css/site.css)
keeps it on one line.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter(name="identifier")
def identifier_html(value) -> SafeString:
    """``{{ person.service_number|identifier }}``; code that builds HTML calls it directly."""
    return format_html('<bdi dir="ltr" class="identifier">{}</bdi>', value)


@register.filter(name="name_and_number")
def name_and_number_html(name_ar: str, service_number: str) -> SafeString:
    """A person as lists name them (``lms.models.person_label``): the Arabic name, then the service
    number in brackets; ``{{ name|name_and_number:number }}`` where there is no ``Person`` at hand."""
    return format_html("<bdi>{}</bdi> {}", name_ar, identifier_html(f"({service_number})"))


@register.filter(name="person_label")
def person_label_html(person) -> SafeString:
    return name_and_number_html(person.name_ar, person.service_number)
