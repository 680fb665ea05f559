"""Settings for the IP Custody Marketplace.

With no environment variables at all this is the embedded default: SQLite,
the in-memory channel layer, Celery tasks run in-process, e-mail to the
console. Production differs only by environment variables (see README).
"""

import datetime
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "embedded-default-insecure-key-only-for-local-development-use"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names this site answers to when DEBUG is off."
        )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    # API tokens: hashed, expiring, several per user, revocable (marketplace.actions.tokens).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "bootstrap",
    "channels",
    # Wagtail: the public site, training centre and FAQ (cms/); admin at /cms/. Five of its
    # apps come without Wagtail's v3 API, which the site does not serve and which cost half
    # a second of every start-up (cms/wagtail_apps.py).
    "wagtail.contrib.simple_translation",
    "cms.wagtail_apps.RedirectsConfig",
    "cms.wagtail_apps.LocalesConfig",
    "wagtail.sites",
    "wagtail.users",
    "cms.wagtail_apps.SnippetsConfig",
    "cms.wagtail_apps.DocumentsConfig",
    "cms.wagtail_apps.ImagesConfig",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    "csp",
    "core",
    "marketplace",
    "custody",
    "custody.payments",
    "webhooks",
    "cms",
    "chat",
    "reporting",
    "demo",
    "frontend",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    # Every error under /api/ is a problem (RFC 9457), whichever layer answered it.
    "core.api.middleware.ApiProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CommonMiddleware's APPEND_SLASH: /api/ paths work with or without the slash.
    "core.api.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Refuses a body larger than its route accepts from Content-Length, before the CSRF
    # check (a view's process_view) or a form reads it (core.uploads).
    "core.uploads.BodySizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-level overrides of third-party templates (e.g. Redoc without web fonts).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.portal",
                "chat.context_processors.live_chat",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------

DATABASE_URL = env_url("DATABASE_URL", schemes={"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    # A connection per request (CONN_MAX_AGE 0), as Django advises under ASGI: each
    # request's sync code runs in a thread of its own, and persistent connections stayed
    # open in finished threads until garbage collection, so under load the web workers
    # exhausted PostgreSQL's max_connections.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    # Connections kept in a pool (psycopg's, Django 5.1+) instead of one opened per
    # request: opening one cost a PostgreSQL backend's fork and a round of set-up per
    # page, most of a cached dashboard's time under load. Off unless set (`manage.py serve`
    # sets it for its web workers, which start fresh and never fork with a pool open);
    # each process keeps up to this many.
    DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0, minimum=0)
    if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL_SIZE),
            "max_size": DATABASE_POOL_SIZE,
            # A request that finds every connection busy waits this long, then errs.
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                # Readers no longer wait for writers, and a commit is not an fsync: the
                # chat writes a row per message and the embedded default must keep up.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Reconnecting to SQLite costs more than a query; Channels' database thread
            # and the server's sync thread each keep one connection open.
            "CONN_MAX_AGE": env_int("SQLITE_CONN_MAX_AGE", 60, minimum=0),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss"})
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis's cache, but a Redis outage means a miss, not a 500 (logged once).
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ipc",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Processes sharing one Redis (tests, several deployments) keep apart by prefix.
            "CONFIG": {
                # channels_redis blocks 5 s reading a channel; redis-py's own 5 s socket
                # timeout (redis-py 8) would break every consumer idle that long.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": env_str("CHANNEL_LAYER_PREFIX", "asgi"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis broker in production; without Redis tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
# A task survives a kill: acknowledged only once it has run, put back when its process
# dies, and taken one at a time so a busy worker holds no queue of others. A message
# left unacknowledged by a worker that vanished is delivered again after the visibility
# timeout, which must outlast the longest job (the hard time limit) or a job still
# running would be started twice. Every task is idempotent (README "Periodic jobs").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = (
    CELERY_TASK_TIME_LIMIT - 5 if CELERY_TASK_TIME_LIMIT < 120 else CELERY_TASK_TIME_LIMIT - 60
)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=10)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT, "
        "or a job still running would be delivered again."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# The Celery worker and beat run this much nicer than the web (os.nice at their start,
# config/celery.py): on a busy machine the jobs (the dashboards' refresh, reminders) yield
# the CPU to requests instead of slowing them. 0 leaves them at the web's priority.
BACKGROUND_NICENESS = env_int("CELERY_NICE", 10, minimum=0)
if BACKGROUND_NICENESS > 19:
    raise ImproperlyConfigured(f"CELERY_NICE must be at most 19, not {BACKGROUND_NICENESS}.")
# Periodic jobs; `manage.py runlocal` runs the same schedule in-process on the embedded default.
CELERY_BEAT_SCHEDULE = {
    # E-mail whose hand-over after commit was missed (broker down, worker killed).
    "flush-outbox": {"task": "core.flush_outbox", "schedule": 60.0},
    # Idempotency-Key answers are kept for 24 hours; older ones are deleted hourly.
    "purge-idempotency-keys": {"task": "core.purge_idempotency_keys", "schedule": 3600.0},
    "expire-overdue-offers": {"task": "marketplace.expire_overdue_offers", "schedule": 300.0},
    "warn-expiring-offers": {"task": "marketplace.warn_expiring_offers", "schedule": 900.0},
    # Agencies whose licence ends within 60 days while they hold firms' custody (once each).
    "warn-expiring-licences": {"task": "marketplace.warn_expiring_licences", "schedule": 21600.0},
    # Daily work run hourly: both jobs are idempotent and catch up after an outage.
    "flag-missed-deadlines": {
        "task": "custody.flag_missed_deadlines",
        "schedule": float(env_int("CUSTODY_DEADLINE_JOB_SECONDS", 3600, minimum=1)),
    },
    "send-deadline-reminders": {
        "task": "custody.send_deadline_reminders",
        "schedule": float(env_int("CUSTODY_DEADLINE_JOB_SECONDS", 3600, minimum=1)),
    },
    # Every in-force right's next deadlines re-derived (new fees within the horizon, renewals
    # rolled forward, provisional dates once the holiday calendar knows their year).
    "refresh-deadlines": {
        "task": "custody.refresh_deadlines",
        "schedule": float(env_int("CUSTODY_DEADLINE_REFRESH_SECONDS", 21600, minimum=1)),
    },
    # Co-payment reminders and lapses; Stripe calls that failed, sent again with their keys.
    "chase-copayments": {"task": "payments.chase_copayments", "schedule": 3600.0},
    "retry-payments": {"task": "payments.retry", "schedule": 900.0},
    "retry-stripe-events": {"task": "payments.retry_unprocessed_events", "schedule": 600.0},
    # Outbound webhooks whose hand-over was missed, and retries that came due.
    "flush-webhook-deliveries": {"task": "webhooks.flush_deliveries", "schedule": 60.0},
    # The dashboards' stored figures: recomputed when changed (at most once a minute), when
    # older than 15 minutes or from another day; snapshots nobody opens for 2 days deleted.
    "refresh-dashboard-snapshots": {
        "task": "reporting.refresh_dashboard_snapshots",
        "schedule": 60.0,
    },
    # Dashboard summaries to incubator managers and the programme office, on the 1st.
    "send-monthly-summaries": {
        "task": "reporting.send_monthly_summaries",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
    },
}

# --- Outbound webhooks -----------------------------------------------------
# http:// and loopback receivers, for local development and tests only (refused in production).
WEBHOOKS_ALLOW_LOCAL = env_bool("WEBHOOKS_ALLOW_LOCAL", default=False)
if WEBHOOKS_ALLOW_LOCAL and not DEBUG:
    raise ImproperlyConfigured(
        "WEBHOOKS_ALLOW_LOCAL is for local development and tests; it cannot be on when DEBUG is off."
    )

# --- Payments --------------------------------------------------------------

# Without a secret key online payment is off: pages say so and the programme office
# records bank transfers. Test keys (sk_test_…) use Stripe's test mode.
PAYMENTS_CURRENCY = env_str("PAYMENTS_CURRENCY", "cny").lower()
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Another Stripe-compatible API (the test suite's fake); empty: Stripe's own addresses.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300, minimum=1)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2, minimum=0)
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 20, minimum=1)
# Where the browser is sent to pay and to onboard; allowed as form targets by the CSP.
STRIPE_REDIRECT_ORIGINS = env_list(
    "STRIPE_REDIRECT_ORIGINS", ["https://checkout.stripe.com", "https://connect.stripe.com"]
)
# Firms are reminded this many days before their co-payment falls due.
PAYMENTS_REMINDER_DAYS = env_int("PAYMENTS_REMINDER_DAYS", 3, minimum=0)

# --- Accounts --------------------------------------------------------------

AUTH_USER_MODEL = "marketplace.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins of a locked-out username from that address before checking them.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "frontend.views.accounts.locked_out"
# Password-reset e-mails: at most this many per address, and reset requests per client
# address (as TRUST_X_FORWARDED_FOR decides it), in each window; 0 turns a limit off.
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 3, minimum=0)
PASSWORD_RESET_PER_CLIENT = env_int("PASSWORD_RESET_PER_CLIENT", 20, minimum=0)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60, minimum=1)
# Behind a reverse proxy that sets X-Forwarded-For, the client is the first address in
# it; without one, trusting the header would let a client pick its own address.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUST_X_FORWARDED_FOR else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:role-home"
LOGOUT_REDIRECT_URL = "frontend:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: told of every saved password change, it revokes the user's API tokens.
    {"NAME": "marketplace.passwords.RevokeApiTokensOnChange"},
]

# --- Internationalisation --------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Amounts grouped by three in Chinese as in English (core/formats; dates stay Django's).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The development server (`manage.py runlocal`) serves static files from the apps while they
# change; production serves what collectstatic wrote.
WHITENOISE_USE_FINDERS = DEBUG
# Browser libraries installed from npm by `make assets` (frontend/package.json); pages
# that use them work without them, so a checkout without Node still runs.
_CHARTJS_DIST = BASE_DIR / "frontend" / "node_modules" / "chart.js" / "dist"
STATICFILES_DIRS = [("vendor/chartjs", _CHARTJS_DIST)] if _CHARTJS_DIST.is_dir() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence files: outside MEDIA_ROOT, no URL; served only through a scoped view.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CUSTODY_EVIDENCE_MAX_BYTES = env_int("CUSTODY_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# All the evidence files of one upload together (a bigger body is refused unread, 413).
CUSTODY_EVIDENCE_MAX_REQUEST_BYTES = env_int(
    "CUSTODY_EVIDENCE_MAX_REQUEST_BYTES", 30 * 1024 * 1024, minimum=1
)
# Request bodies (core.uploads refuses a larger one from its Content-Length, 413): fields of
# any form or JSON body, and how much of an uploaded file is held in memory before it is
# spooled to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1024)
# Portfolio imports (custody/import_limits.py): the file as sent, unpacked (an XLSX archive's
# declared sizes), and the rows and columns read; a bigger file is refused before parsing.
PORTFOLIO_IMPORT_MAX_BYTES = env_int("PORTFOLIO_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
PORTFOLIO_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "PORTFOLIO_IMPORT_MAX_UNCOMPRESSED_BYTES", 20 * 1024 * 1024, minimum=1
)
PORTFOLIO_IMPORT_MAX_ROWS = env_int("PORTFOLIO_IMPORT_MAX_ROWS", 10_000, minimum=1)
PORTFOLIO_IMPORT_MAX_COLUMNS = 30
# A file of more rows is imported by a Celery task (progress on the page and the API).
PORTFOLIO_IMPORT_SYNC_ROWS = env_int("PORTFOLIO_IMPORT_SYNC_ROWS", 100, minimum=0)

# --- E-mail ----------------------------------------------------------------

# Every e-mail, also Django's and Wagtail's own, is written to the outbox in the
# transaction that causes it (core.mail); its job delivers through the backend the
# environment names (EMAIL_BACKEND), kept here as EMAIL_DELIVERY_BACKEND. Without one,
# messages are written as files under EMAIL_FILE_PATH (var/mail/), out of the terminal,
# and the programme office reads them on /office/mail/ (frontend.views.mailbox).
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
if EMAIL_DELIVERY_BACKEND == "core.mail.OutboxEmailBackend":
    raise ImproperlyConfigured(
        "EMAIL_BACKEND names the backend that delivers the outbox's mail; "
        "it cannot be the outbox itself."
    )
EMAIL_BACKEND = "core.mail.OutboxEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Where django.core.mail.backends.filebased.EmailBackend writes (the fault benchmark reads it).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "IP Custody Programme <noreply@ipcustody.local>")

# --- REST API ----------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so anonymous callers get 401 with a WWW-Authenticate challenge.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    # JSON request bodies only; the few views that receive files name multipart themselves,
    # so the schema publishes one content type per body and generated clients import.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "core.api.filters.StrictOrderingFilter",
        "core.api.filters.UpdatedSinceFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.ApiSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    # Only views that name a scope are throttled; the assistant is open to anonymous visitors.
    "DEFAULT_THROTTLE_RATES": {"chat": env_str("CHAT_THROTTLE_RATE", "30/min")},
    # Throttles key on the address the one trusted proxy appended to X-Forwarded-For, or on
    # the peer's address when no proxy is trusted; never on what a client wrote itself.
    "NUM_PROXIES": 1 if TRUST_X_FORWARDED_FOR else 0,
}
# API tokens (django-rest-knox): "Authorization: Token <token>" as before; stored as a
# SHA-512 digest; each expires this many hours after it was issued (no silent renewal).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IP Custody Marketplace API",
    "DESCRIPTION": (
        "Participants, catalogue, programme years and audit trail of the "
        "government-purchased IP custody programme. Every list is scoped to "
        "what the caller may see. The developer guide (authentication, errors, sync, "
        "idempotency, webhooks and their verification): [/api/guide/](/api/guide/)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["config.schema.public_api_only"],
    "ENUM_NAME_OVERRIDES": {
        "DistrictEnum": "marketplace.choices.District",
        "IndustryEnum": "marketplace.choices.Industry",
        "RevenueBandEnum": "marketplace.choices.RevenueBand",
        "CustodyRequestStatusEnum": "marketplace.models.CustodyRequest.Status",
        "OfferStatusEnum": "marketplace.models.Offer.Status",
        "EngagementStatusEnum": "marketplace.models.Engagement.Status",
        "AllocationRunStatusEnum": "marketplace.models.AllocationRun.Status",
        "AssetKindEnum": "custody.models.IPAsset.Kind",
        "AssetStatusEnum": "custody.models.IPAsset.Status",
        "PatentTypeEnum": "custody.models.IPAsset.PatentType",
        "DeadlineKindEnum": "custody.models.Deadline.Kind",
        "WebhookEventTypeEnum": "webhooks.models.EventType",
        "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
        "DeadlineStateEnum": "custody.api.deadlines.DeadlineState",
        "ServiceRecordStatusEnum": "custody.models.ServiceRecord.Status",
        "ServiceRecordSourceEnum": "custody.models.ServiceRecord.Source",
        "SettlementStatusEnum": "custody.models.Settlement.Status",
        "CoPaymentStatusEnum": "custody.payments.models.CoPayment.Status",
        "PayoutStatusEnum": "custody.payments.models.Payout.Status",
        "PaymentMethodEnum": "custody.payments.models.Method",
    },
}

# --- Security ----------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# A refused form gets the site's own page in the reader's language, with a way back.
CSRF_FAILURE_VIEW = "frontend.views.public.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere in the product's pages: scripts and styles are
# static files, data for scripts travels in json_script blocks. Wagtail's and Django's
# admins and the API explorers are third-party pages built on inline scripts; they are
# staff-only or read-only and keep the other headers.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms/", "/admin/", "/api/docs/", "/api/redoc/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        # The chat widget's WebSocket is same-origin; CSP 3 browsers match ws(s) to 'self'.
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Paying and onboarding post to this site, which redirects to Stripe's pages.
        "form-action": ["'self'", *STRIPE_REDIRECT_ORIGINS],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Probes from the process manager and the load balancer speak plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# "json" gives one JSON object per line for log collectors; "plain" reads better in a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", ("plain", "json"), "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) wrote each request warning a second time,
        # unformatted, beside the root handler's line.
        "django": {"handlers": [], "level": "INFO"},
        "jieba": {"level": "WARNING"},
        # Wagtail runs its index updates as in-process tasks and logs each one, and logs
        # every edit that its own history (in the admin) records anyway.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# --- Programme ---------------------------------------------------------------

PROGRAMME_NAME = _("Nanjing IP Custody Programme")

# --- Wagtail (cms/) ------------------------------------------------------------

WAGTAIL_SITE_NAME = PROGRAMME_NAME
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The database backend picks PostgreSQL full text on PostgreSQL and FTS5 on SQLite.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "txt", "csv", "zip", "mp4", "webm"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env_int("WAGTAILDOCS_MAX_UPLOAD_SIZE", 200 * 1024 * 1024, minimum=1)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Page editors may hold many lessons; Django's default would cut the form off.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Anonymous page views are served from the cache for this long (0 turns the cache off).
CMS_PAGE_CACHE_SECONDS = env_int("CMS_PAGE_CACHE_SECONDS", 60, minimum=0)
# Pages restricted to logged-in readers send them to the portal's own login.
WAGTAIL_FRONTEND_LOGIN_URL = "/login/"
# No Gravatar: it is unreachable from mainland China and would leak editors' e-mail hashes.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# The assistant's FAQ matcher: thresholds and weights tuned on the development set
# (benchmarks/bench_faq.py --tune); chat.matcher.MatcherSettings has the same defaults.
CHAT_MATCHER = {
    "answer_score": 47.0,
    "answer_margin": 13.0,
    "clarify_score": 43.0,
    "suggestion_window": 15.0,
    "max_suggestions": 3,
    "default_language": "zh-hans",
    "cross_language_weight": 0.8,
    "weight_wording": 1.0,
    "weight_entry": 0.3,
    "weight_answer": 0.5,
    "weight_fuzz": 0.15,
    "weight_evidence": 0.5,
    "evidence_scale": 6.0,
    "fuzz_scorer": "token_set_ratio",
    "coverage_balance": 0.4,
    "concept_weight": 1.0,
    "form_weight": 0.6,
    "word_weight": 1.0,
    "bigram_weight": 0.0,
    "unknown_weight": 0.5,
    "scope_penalty": 0.5,
    "spelling_cutoff": 80.0,
    "candidates": 12,
}
# The hybrid assistant (chat.hybrid): weights of the evidence, the softmax temperature, the
# answer band, the scope model and its threshold, the consultation thresholds and the
# cascade, all learned on the first development set and the project's own tuning questions
# with five-fold cross-validation (`python -m benchmarks.bench_faq --hybrid` prints what it
# learns; the second development set is only ever scored).
CHAT_FUSION = {
    "weights": {
        "lexical": 0.2663,
        "bm25": 0.3035,
        "wording": 0.1005,
        "sentence": 0.1589,
        "classifier": 0.1707,
    },
    "temperature": 2.5,
    "answer_probability": 0.92,
    "clarify_score": 0.0,
    "scope": {
        "mean": [0.3877, 0.5617, 0.415, 0.454, 0.2562, 0.2419, 0.6045],
        "scale": [0.1308, 0.1444, 0.1134, 0.1219, 0.1573, 0.0976, 0.1577],
        "weights": [3.8185, 0.952, 0.2627, -2.9448, 0.6083, -0.7511, 1.1679],
        "bias": 4.1983,
    },
    "scope_threshold": 0.29,
    "consult_similarity": 0.58,
    "consult_cue_similarity": 0.5,
    "suggestion_window": 15.0,
    "max_suggestions": 3,
    "decisive_score": 68.0,
    "decisive_margin": 20.0,
}
# The sentence encoder (chat.encoder): off leaves the lexical matcher alone. The FAQ's
# vectors (by content hash) and the pinyin reading tables (chat.pinyin) are cached on disk
# here, so workers start fast.
CHAT_ENCODER = env_bool("CHAT_ENCODER", True)
CHAT_VECTOR_CACHE = VAR_DIR / "cache" / "chat"
# How the programme office is reached, for the {office_contact} placeholder of FAQ answers.
CHAT_OFFICE_CONTACT = env_str("CHAT_OFFICE_CONTACT", "025-83012345, ip-custody@nanjing.gov.cn")
# The chat WebSocket per client address, across every worker (0 turns a limit off): open
# sockets, and frames per window of seconds over all of them.
CHAT_WS_CONNECTIONS_PER_ADDRESS = env_int("CHAT_WS_CONNECTIONS_PER_ADDRESS", 20, minimum=0)
CHAT_WS_MESSAGES_PER_ADDRESS = (env_int("CHAT_WS_MESSAGES_PER_ADDRESS", 60, minimum=0), 10.0)
