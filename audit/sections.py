"""The dashboard's sections: the overview (the programme's figures, four charts and the map) on
the dashboard page, and each group of tables on its own page, named in the section navigation."""

from django.utils.translation import gettext_lazy as _

# slug → (title, the tables it shows, in order)
SECTIONS = {
    "plan": (_("National training plan"), ("targets",)),
    "coverage": (_("Coverage"), ("governorates", "centres", "courses", "quarters")),
    "cascade": (_("Cascade health"), ("generations", "trainers")),
    "places": (_("Stations and units"), ("stations",)),
}


def nav() -> list[tuple[str, str]]:
    """(slug, title) of each section, for the navigation."""
    return [(slug, title) for slug, (title, _tables) in SECTIONS.items()]


# The tables' titles by slug (as ``audit.tables`` names them), for the export log.
TABLE_TITLES = {
    "summary": _("Programme summary"),
    "totals": _("Coverage"),
    "governorates": _("Coverage by governorate"),
    "centres": _("Coverage by training centre"),
    "courses": _("Coverage by course"),
    "quarters": _("Participants per quarter"),
    "targets": _("National training plan by governorate"),
    "target_lines": _("National training plan, line by line"),
    "generations": _("Cascade by generation"),
    "trainers": _("Learning gain by trainer"),
    "stations": _("Coverage by police station"),
    "never_reached": _("Stations and units never reached in a course"),
}
