"""Deterministic demo data at the programme's real figures (``manage.py demo_data``).

``demo_data_build`` creates places, people, sessions, qualifications and one login per role; a
second run finds the data and changes nothing. ``demo_data_reset`` removes it again.
``demo_logins`` lists the accounts and ``DEMO_PASSWORD`` is their shared password.
"""

from cascade.demo.accounts import DEMO_PASSWORD, DemoLogin, demo_logins
from cascade.demo.build import DEMO_PREFIX, DemoSummary, expected_people
from cascade.demo.services import demo_data_build, demo_data_reset, demo_people

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PREFIX",
    "DemoLogin",
    "DemoSummary",
    "demo_data_build",
    "demo_data_reset",
    "demo_logins",
    "demo_people",
    "expected_people",
]
