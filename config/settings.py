"""Settings, read from the environment only.

With no environment at all this is the embedded default: SQLite under ``var/``, Celery tasks run
eagerly in-process, a local-memory cache, media on local disk, e-mail to the console. The
production profile is the same file with DATABASE_URL (PostgreSQL), CELERY_BROKER_URL and
REDIS_URL (Redis), SECRET_KEY and DEBUG=0 set; `.env.example` lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.storage import file_storages, media_origin, object_storage
from ops.proxy import validate_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-default-insecure-key-for-local-use-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps, in layer order (courses → lms → cascade → certificates; cms uses courses).
    "courses",
    "lms",
    "cascade",
    "plans",
    "certificates",
    "ops",
    "imports",
    "audit",
    "fieldkit",
    "api",
    "cms",
    # Wagtail
    # Translation: Wagtail's core tooling (copy a page into a locale, edit it in the normal editor,
    # same workflow); the README's architecture section says why not wagtail-localize.
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.api.v3",  # only for its admin screen issuing API tokens (Settings → API tokens)
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "import_export",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: forwarding headers count only from TRUSTED_PROXIES (ops.proxy), before anything reads them.
    "ops.proxy.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "ops.middleware.AdminInlineScriptMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ops.middleware.StaffSecondFactorMiddleware",
    # Staff sessions end after STAFF_SESSION_IDLE_HOURS without a request; password resets are rationed.
    "ops.limits.StaffSessionIdleMiddleware",
    "ops.limits.PasswordResetThrottleMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search index uses PostgreSQL's full-text fields there.
    INSTALLED_APPS.append("django.contrib.postgres")
    # The dashboard's aggregates (tens of thousands of groups at national scale) hash and sort in
    # memory rather than on disk, and its short queries are not held up compiling JIT code.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        part
        for part in (_options.get("options", ""), f"-c work_mem={env_str('DB_WORK_MEM', '32MB')}", "-c jit=off")
        if part
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if object_storage() and not REDIS_URL:
    # Files in object storage mean several nodes: with a cache in each process's own memory the
    # locks (signing key, backups), the rate limits and the report jobs would each hold for one
    # process only, and nothing would say so.
    raise ImproperlyConfigured(
        "REDIS_URL must be set when S3_ENDPOINT_URL is: the nodes sharing the object store must share a cache."
    )

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# No broker configured means the embedded default: run every task in-process, at once.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Wagtail's background tasks (the reference index after each save): on the workers where there are
# workers, in the request in the embedded default (ops.task_backend says why).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if CELERY_TASK_ALWAYS_EAGER
        else "ops.task_backend.CeleryTaskBackend"
    }
}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With Redis as broker, a message a worker took and never acknowledged is handed out again after
# this long. It must stay longer than the longest task, or a task still running starts twice: the
# longest is the full audit rebuild with its dashboards, about 2.5 minutes at national scale on an
# idle 2-core machine and 11 minutes on a loaded one (README, Directorate audit); an import of
# 50,000 rows takes under a minute, a certificate chunk seconds. A worker that dies is not waited
# for this long: its messages are put back by the sweep below once its heartbeat stops (ops.workers).
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 30 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# Each worker writes a heartbeat this often (it lapses after three missed beats); every
# TASK_SWEEP_SECONDS beat runs ops.tasks.orphaned_tasks_requeue, which puts back on their queue
# the messages held longer than TASK_SWEEP_GRACE_SECONDS by a worker with no heartbeat.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
TASK_SWEEP_SECONDS = env_int("TASK_SWEEP_SECONDS", 60)
TASK_SWEEP_GRACE_SECONDS = env_int("TASK_SWEEP_GRACE_SECONDS", 60)
# Admin → Reports → Background tasks lists import jobs and certificate batches not finished after this long.
STUCK_JOB_MINUTES = env_int("STUCK_JOB_MINUTES", 30)
# The queue tasks go to unless routed elsewhere (a test worker uses a queue of its own).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict = {
    "ops-orphaned-tasks": {"task": "ops.tasks.orphaned_tasks_requeue", "schedule": float(TASK_SWEEP_SECONDS)},
}
# Nightly database backups (ops.tasks.database_backup) into BACKUP_DIR/<date>/ when it is set, or
# with BACKUP_TO_STORAGE=1 into the backups storage (object storage: any node can restore it).
BACKUP_DIR = env_str("BACKUP_DIR")
BACKUP_TO_STORAGE = env_bool("BACKUP_TO_STORAGE", default=False)
if BACKUP_DIR or BACKUP_TO_STORAGE:
    CELERY_BEAT_SCHEDULE["ops-nightly-backup"] = {
        "task": "ops.tasks.database_backup",
        "schedule": crontab(hour=2, minute=30),
    }

# --- Bulk imports (imports app) -----------------------------------------------------------
# Uploaded spreadsheets wait here between the dry run and the confirmed import: outside
# MEDIA_ROOT and STATIC_ROOT, so the web server never serves them.
IMPORTS_DIR = Path(env_str("IMPORTS_DIR", str(VAR_DIR / "imports")))
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 20) * 1024 * 1024
# An XLSX is a ZIP; its declared uncompressed size is checked before any parsing (zip bombs).
IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_XLSX_UNCOMPRESSED_MB", 200) * 1024 * 1024
IMPORT_ABANDONED_AFTER_HOURS = env_int("IMPORT_ABANDONED_AFTER_HOURS", 24)
# Uploads larger than this are read and dry-run by the background job, not in the request.
IMPORT_CHECK_IN_REQUEST_BYTES = env_int("IMPORT_CHECK_IN_REQUEST_KB", 512) * 1024
CELERY_BEAT_SCHEDULE["imports-cleanup"] = {"task": "imports.tasks.import_files_cleanup", "schedule": 3600.0}

# --- Directorate audit (audit app) ---------------------------------------------------------
# The participation facts behind the dashboard are rebuilt this often (writes through the
# cascade's services refresh their session's facts at once).
AUDIT_REBUILD_MINUTES = env_int("AUDIT_REBUILD_MINUTES", 30)
CELERY_BEAT_SCHEDULE["audit-facts-rebuild"] = {
    "task": "audit.tasks.facts_rebuild",
    "schedule": AUDIT_REBUILD_MINUTES * 60.0,
}
# "Well below": a trainer is flagged for mentoring when their participants' mean gain is below
# this fraction of their own ToT cohort's mean gain (with at least the minimum scored participants).
AUDIT_MENTORING_GAIN_RATIO = float(env_str("AUDIT_MENTORING_GAIN_RATIO", "0.6"))
AUDIT_MENTORING_MIN_SCORED = env_int("AUDIT_MENTORING_MIN_SCORED", 10)
# Station cells revealing fewer than this many women show "<5" in exports (and on pages if set).
# With workers, a dashboard page retired by a save is served (marked as older than the records)
# while it was rendered less than this long ago (the beat rebuild renders the national pages
# every AUDIT_REBUILD_MINUTES), and a worker renders it again; 0 renders it in the request instead.
AUDIT_STALE_PAGE_SECONDS = env_int("AUDIT_STALE_PAGE_SECONDS", 3600)
# A retired page that took less than this to compute is computed again in the request instead.
AUDIT_INLINE_RENDER_MS = env_int("AUDIT_INLINE_RENDER_MS", 1000)
AUDIT_SMALL_GROUP_THRESHOLD = env_int("AUDIT_SMALL_GROUP_THRESHOLD", 5)
AUDIT_SMALL_GROUPS_IN_EXPORTS = env_bool("AUDIT_SMALL_GROUPS_IN_EXPORTS", default=True)
AUDIT_SMALL_GROUPS_ON_PAGES = env_bool("AUDIT_SMALL_GROUPS_ON_PAGES", default=False)

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+IP before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Trainees may sign in to the learner area with their service number instead of a username.
    "lms.accounts.ServiceNumberBackend",
]
# Five failed logins for one username from one address lock that pair out for an hour.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(hours=env_int("LOGIN_LOCKOUT_HOURS", 1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ops.security.client_ip"
# Failures are counted per account, whatever the case the login was typed in.
AXES_USERNAME_CALLABLE = "ops.security.lockout_username"
AXES_LOCKOUT_TEMPLATE = "ops/locked_out.html"
# A staff session (ops.limits) ends after this many hours without a request.
STAFF_SESSION_IDLE_HOURS = env_int("STAFF_SESSION_IDLE_HOURS", 8)
# The admin's password reset: this many e-mails per window, per address and per client.
PASSWORD_RESET_RATE_LIMIT = env_int("PASSWORD_RESET_RATE_LIMIT", 5)
PASSWORD_RESET_RATE_WINDOW = env_int("PASSWORD_RESET_RATE_WINDOW", 3600)
# The reverse proxies in front of gunicorn (addresses, CIDR networks, or "unix" for a unix socket).
# Only requests whose direct peer is one of them may say, by header, the client's address
# (CLIENT_IP_HEADER, the one header that proxy sets) and that it came over TLS
# (X-Forwarded-Proto). Empty: nobody is trusted, every forwarding header is dropped (ops.proxy).
TRUSTED_PROXIES = validate_trusted_proxies(env_list("TRUSTED_PROXIES"))
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "X-Forwarded-For")
if env_str("BEHIND_TLS_PROXY"):
    raise ImproperlyConfigured(
        "BEHIND_TLS_PROXY is replaced by TRUSTED_PROXIES: list the proxy's address (e.g. 127.0.0.1) instead."
    )
# Staff roles (lms.roles.STAFF_ROLES) pass a second factor before any staff page opens.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = "MPS Training"

# --- Languages -------------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("en", _("English")),
    ("ckb", _("Central Kurdish (Sorani)")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Baghdad"
USE_I18N = True
USE_TZ = True
# One way of writing numbers and dates (Iraqi usage), described in config/formats/__init__.py:
# "," groups thousands and "." marks decimals in both languages, dates read "7 كانون الأول 2026".
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ar", "العربية"), ("en", "English")]
WAGTAIL_SITE_NAME = "MPS Learning & Cascade Tracker"
WAGTAILADMIN_USER_LOGIN_FORM = "ops.forms.StaffLoginForm"
WAGTAILADMIN_BASE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No Gravatar: staff e-mail hashes are not sent to a third party (and the CSP allows no other origin).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No call to releases.wagtail.org from staff browsers (the CSP allows no other origin).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "txt", "mp4", "webm"]  # videos: lesson video block

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Certificate PDFs and batch ZIPs: outside MEDIA_ROOT (never served by the web server); the
# certificates views check permission and stream them.
CERTIFICATE_ROOT = Path(env_str("CERTIFICATE_ROOT", str(VAR_DIR / "private")))
# Where `manage.py backup --to-storage` writes when files are on local disk.
BACKUP_STORAGE_DIR = Path(BACKUP_DIR or VAR_DIR / "backups")
# Local folders by default; with S3_ENDPOINT_URL, buckets of an S3-compatible object store shared by
# every web and worker node (config.storage lists the storages and the variables they read).
STORAGES = {
    **file_storages(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Certificates ----------------------------------------------------------------------------
# The absolute address printed in every certificate's QR code: https://<site>/verify/<code>/.
SITE_BASE_URL = env_str("SITE_BASE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
# Public verification page: at most this many lookups per client address per window (seconds).
CERTIFICATE_VERIFY_RATE_LIMIT = env_int("CERTIFICATE_VERIFY_RATE_LIMIT", 30)
CERTIFICATE_VERIFY_RATE_WINDOW = env_int("CERTIFICATE_VERIFY_RATE_WINDOW", 600)
# Open Badges 3.0 credentials are signed with this Ed25519 private key (PEM): from the environment,
# or a file; with neither, one is generated once into VAR_DIR and kept (certificates.credentials).
CERTIFICATE_SIGNING_KEY = env_str("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_SIGNING_KEY_FILE = env_str("CERTIFICATE_SIGNING_KEY_FILE", "")

# --- E-mail ----------------------------------------------------------------------------------
# The console in a local demo (DEBUG on); SMTP otherwise, configured by Django's EMAIL_* variables.
MAILERS = {
    "default": {
        "BACKEND": env_str(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        )
    }
}

# --- Security (production profile) -----------------------------------------------------------
# X-Forwarded-Proto is believed only from TRUSTED_PROXIES (ops.proxy removes it otherwise).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# A load balancer may ask gunicorn directly over plain HTTP whether it is alive and ready.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview frames the site's own pages, so framing stays same-origin (DENY would
# break it); the CSP's frame-ancestors 'self' says the same to current browsers.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Only this site's own files run: no inline script, no other origin (the Wagtail admin's own
# inline widget scripts are turned into data, see ops.admin_scripts). Inline styles are allowed:
# Wagtail's rich-text editor and the audit charts' bar widths set them; they cannot run code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *filter(None, [media_origin()])],
    "media-src": [CSP.SELF, *filter(None, [media_origin()])],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
if not DEBUG and not OTP_REQUIRED_FOR_STAFF:
    raise ImproperlyConfigured("OTP_REQUIRED_FOR_STAFF may be turned off only with DEBUG on (a local demo).")

# --- API -------------------------------------------------------------------------------------
# Only project-wide defaults that cannot surprise Wagtail's own DRF views (its admin API relies on
# the session); the project API sets its authentication, permissions and paging on its views.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "MPS Learning & Cascade Tracker API",
    "DESCRIPTION": "Read-only access to courses, sessions, participations, people, coverage and certificates.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["api.schema.project_api_only"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports each rendering step at INFO: noise, once per certificate.
        "weasyprint.progress": {"level": "WARNING"},
        # Django's tasks log every start and finish at INFO (Wagtail's reference index runs one per saved
        # page: dozens while the demo data is built); a failed task is still logged, at ERROR.
        "django.tasks": {"level": "WARNING"},
    },
}
