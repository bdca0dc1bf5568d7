"""Security and operations: what keeps the records safe and recoverable.

- History: every change to people, sessions, trainers, participations, qualifications, targets and
  certificates is kept with its actor and time (django-simple-history). The historical tables are
  registered here, in ``ops``, so their migrations live in one app (``ops.models``); bulk paths
  call ``ops.history`` so they are recorded too.
- Logins: django-axes locks a username+IP pair after repeated failures (``ops.security``);
  staff roles must pass a second factor (TOTP or a recovery code, django-otp) before the admin or
  any staff page opens (``ops.middleware``, ``ops.views``).
- Backups: ``manage.py backup`` / ``manage.py restore`` (``ops.backup``).
- Privacy: export everything held about one person, and anonymise a person (``ops.privacy``).
"""
