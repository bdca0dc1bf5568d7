"""Directorate audit: where the eight courses have reached, against the national training plan.

A coverage dashboard (by governorate, centre, course, session kind, generation, gender and
period), the programme's headline figures recounted from the records, cascade health (reach per
generation, learning gains, trainers to mentor), drill-down to the records behind every number,
SVG charts, CSV/XLSX exports with formula escaping and an export log, and a PDF programme report.
Reads run on ``ParticipationFact``, a summary table rebuilt from the cascade records.
"""
