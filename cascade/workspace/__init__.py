"""The trainer workspace: trainers run their sessions here, outside the Wagtail admin.

A trainer sees their qualifications and sessions, opens a session for a course they are
qualified for, puts participants on its roster (found by service number or a name in any Arabic
spelling, or newly created), records attendance day by day, pre/post-test scores and outcomes,
adds co-trainers and closes the session. Centre managers reopen a closed session of their centre
with a logged reason. Trainees see their own trainings. Views only parse, ask
``cascade.permissions`` and call one ``cascade.services`` function.
"""
