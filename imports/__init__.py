"""Bulk imports: rosters (people), sessions, participations and targets from Excel and CSV.

One path for every entry point: the admin flow (upload → dry run → confirm → Celery job →
report), ``manage.py import_records`` and the Celery task all call ``imports.services.records_import``,
which runs a django-import-export resource (``imports.resources``) inside one transaction and
stores nothing when any row is invalid. Imported sessions and participations pass the cascade's
integrity rules (``cascade.integrity``). Duplicated people are found (``imports.duplicates``) and
merged (``imports.merge``).
"""
