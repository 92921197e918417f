"""Settings, read from the environment (twelve-factor); development defaults are safe and local."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core import embedded_database
from core.addresses import proxy_networks

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-not-secret-2f9c1b7e4a6d8c0e5f3a1b9d7c5e3f1a")
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.") from exc

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The configuration audit (core/audit.py): triggers written by django-pgtrigger, audit tables by django-pghistory.
    "pgtrigger",
    "core.audit_history.AuditHistoryConfig",  # django-pghistory
    "core.signin_lockout.SigninLockoutConfig",  # django-axes
    "core",
    "staff",
    "complaints",
    "outbox",
    "integrations",
    "recovery",
    "web",
    "demo",
]

MIDDLEWARE = [
    # First: a client's own X-Forwarded-* headers are dropped before anything believes them.
    "core.addresses.UntrustedForwardingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The admin's changes are put on the person signed in to it (the configuration audit, core/audit.py).
    "core.audit.AuditActorMiddleware",
    # A session ends after a shift, or when left idle (core/sessions.py).
    "core.sessions.SessionLifetimeMiddleware",
    # No-store for whatever a signed-in person is answered; Permissions-Policy for every answer.
    "core.headers.PrivateAnswersMiddleware",
    "core.i18n.ChosenLanguageMiddleware",
    "web.middleware.StoreTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Gives a browser that signed someone in the cookie saying so (core.signin: where a sign-in is made).
    "core.signin.SigninDeviceMiddleware",
    # Last: it turns a sign-in that axes locked out into its answer (core.signin.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.header",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL everywhere, named by DATABASE_URL (Compose, production, tests). Without one, a DEBUG run
# (`make run`) uses the embedded server in .pgdata/ (core/embedded_database.py); production refuses to
# start rather than quietly use a database nobody backs up.
database_url = env.str("DATABASE_URL", default="")  # empty counts as unset, as in `make run`
if not database_url and not DEBUG:
    raise ImproperlyConfigured("DATABASE_URL must be set in the environment when DEBUG is off.")
DATABASES = {"default": env.db_url_config(database_url or embedded_database.url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's cursors bind client-side and are never prepared. The few statements sent with
# core.cursors.cursor_bound(prepared=True) are, on their first run: a count no statement reaches
# turns psycopg's preparing on for them alone (None, Django's default, turns it off).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
# Production's two roles (core/database_roles.py): set for `migrate`, which connects as the migration role that owns
# the tables, to the role web, workers and beat connect as; migrate grants it rows, never the schema. Empty (`make
# run`, the tests): one role does both.
DATABASE_RUNTIME_ROLE = env.str("DATABASE_RUNTIME_ROLE", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "staff.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in lockout (django-axes; core/signin.py) ------------------------------------------
# Every authenticate(request=...) goes through axes first: the token endpoint, the admin, the pages.
AUTHENTICATION_BACKENDS = ["core.signin.SigninLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
# Failures are counted in the database: CACHES is Django's per-process default, which the 4 gunicorn workers
# would not share.
AXES_HANDLER = "core.signin.SigninAttemptsHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 15 / 60  # hours: 15 minutes after the failure that locked
# Locked by username *and* where the sign-in is made: a device where that username signed in before (counted in
# core.signin, apart from everything else), or else the address. A store's tablets share one address, so one person's
# typos must not lock everyone there, nor a guesser elsewhere lock out a username. A guesser cycling usernames from one
# address, or addresses for one username, is held by a higher ceiling on each (SigninAttemptsHandler); devices where a
# person signed in before are not held by either, so a coworker on the store's Wi-Fi cannot lock others out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("SIGNIN_ADDRESS_FAILURE_LIMIT", default=30)
SIGNIN_USERNAME_FAILURE_LIMIT = env.int("SIGNIN_USERNAME_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
# A try while locked out is refused without being counted, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.signin.lockout_response"
AXES_USERNAME_CALLABLE = "core.signin.attempted_username"
# The client's address, or its IPv6 /64 (core.addresses): X-Forwarded-For only as our own proxies wrote it.
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_network"
# Successful sign-ins are not what locks; their log would only grow.
AXES_DISABLE_ACCESS_LOG = True

# --- Proxies in front -------------------------------------------------------------------------
# The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or networks, comma-separated
# (Compose: its Caddy's fixed address). Empty: nothing is in front, and the peer is the client.
if "BEHIND_TLS_PROXY" in env:
    raise ImproperlyConfigured(
        "BEHIND_TLS_PROXY is gone: name the proxies in front in TRUSTED_PROXIES (their addresses or networks), "
        "and unset BEHIND_TLS_PROXY."
    )
TRUSTED_PROXIES = proxy_networks(env.list("TRUSTED_PROXIES", default=[]))
if TRUSTED_PROXIES:
    # Only a trusted proxy's X-Forwarded-Proto is left to read (core.addresses.UntrustedForwardingMiddleware).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
# Our messages' translations (`make` compiles the .po files; the .mo files are build output).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# Phone numbers without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="CN")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names once `collectstatic` has run (the Dockerfile runs it); plain names
    # before, and always with DEBUG on.
    "staticfiles": {"BACKEND": "core.staticfiles.ManifestOnceCollectedStorage"},
}
# WhiteNoise also serves files straight from the apps, so that a fresh clone needs no
# `collectstatic`, even with DEBUG off (the API's docs need swagger-ui's files).
WHITENOISE_USE_FINDERS = True

# --- Redis and Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# A hung or absent Redis must never hold up an HTTP request: every client gets short timeouts.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.5)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No result backend: every task is fire-and-forget (its effect is in the database). With one, a web
# process that sends a task subscribes to its result channel, and a Redis outage held each request
# for the backend's 20 reconnects (19 s down, 30 s hung; issue 26, item 4).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    # One quick retry when connecting to publish; kombu waits 2 s before a retry by default.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
    "visibility_timeout": 3600,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
# A request must not wait on a dead broker: one try, then the sweep catches up.
CELERY_TASK_PUBLISH_RETRY = False
# After a failed send, a web process sends no task for this long (core/queue.py): with Redis hung,
# every try would cost a request the timeouts above; beat's sweep does the work once Redis is back.
BROKER_PAUSE_SECONDS = env.float("BROKER_PAUSE_SECONDS", default=10)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Late-acknowledged tasks running when the broker connection drops are delivered again once it is back: cancel
# them rather than let two copies run side by side (each task is idempotent, and its work is in the database).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# How often beat sweeps for due reminders and escalations.
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=5)
# Due deadlines per sweep transaction (and emails per email task): larger batches go faster and
# hold their complaints' locks longer.
SLA_SWEEP_BATCH = env.int("SLA_SWEEP_BATCH", default=500)
# Threads of one sweep, each with its own database connection: one works in Python while another
# waits on PostgreSQL.
SLA_SWEEP_THREADS = env.int("SLA_SWEEP_THREADS", default=2)

# The outbox (outbox/): every outgoing message is a row, sent by the worker. Beat looks for due rows this often.
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=2)
# Rows looked up at once, and sent by this many threads of one task (each its own database connection).
OUTBOX_BATCH = env.int("OUTBOX_BATCH", default=200)
OUTBOX_SEND_THREADS = env.int("OUTBOX_SEND_THREADS", default=8)
# A batch longer than this is shared out among the worker's processes, this many rows a task.
OUTBOX_CHUNK = env.int("OUTBOX_CHUNK", default=100)
# A failed try is retried after the base delay, doubled each time up to the cap; given up after this many tries.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600)
# A webhook subscription failing this many tries in a row (across its messages) is disabled and its owner emailed
# (integrations/webhooks.py). With the outbox's backoff, that is hours of an endpoint down, not one bad minute.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)

# Text messages to customers (outbox/sms/): "console" prints them (make run), "aliyun" or "tencent" sends them.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="console")
if SMS_PROVIDER not in ("console", "aliyun", "tencent"):
    raise ImproperlyConfigured("SMS_PROVIDER is one of console, aliyun, tencent.")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="服务补救")
# The provider's template code of each message kind, per language: a JSON object, e.g.
# {"complaint_logged": {"zh-hans": "SMS_1234", "en": "SMS_1235"}, "survey_invitation": …, "reopened_outcome": …}
SMS_TEMPLATE_CODES = env.json("SMS_TEMPLATE_CODES", default={})
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_ALIYUN_PROTOCOL = env.str("SMS_ALIYUN_PROTOCOL", default="https")
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_TENCENT_PROTOCOL = env.str("SMS_TENCENT_PROTOCOL", default="https")
SMS_TIMEOUT_MS = env.int("SMS_TIMEOUT_MS", default=5000)
# At most this many text messages to one number a day (the store's day); more wait for the next morning.
SMS_DAILY_LIMIT = env.int("SMS_DAILY_LIMIT", default=3)
# A template may be at most this many billed parts long (70 characters a part in Chinese, 67 when split).
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=2)
# Replies that withdraw consent (the customer texts one back), case-insensitive.
SMS_OPT_OUT_WORDS = env.list("SMS_OPT_OUT_WORDS", default=["TD", "T", "退订", "STOP", "UNSUBSCRIBE"])
# The shared secret the provider's reply callback carries (?token=… or X-Sms-Callback-Token): none, no callback.
SMS_INBOUND_TOKEN = env.str("SMS_INBOUND_TOKEN", default="")

# Django's per-process cache stays the default; the public form's rate limits count in Redis, which every
# web process shares (django-ratelimit, complaints' public form: web/ratelimits.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ratelimit",
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
    },
}
RATELIMIT_USE_CACHE = "ratelimit"
# A count Redis could not give is no reason to refuse a customer (web/ratelimits.py).
RATELIMIT_FAIL_OPEN = True

# --- The public QR complaint form (web/views/public.py) ---------------------------------------
# Complaints accepted per phone (a cookie), per client address (a store's Wi-Fi is one address for every diner on
# it) and per store, in django-ratelimit's "count/period" form (s, m, h, d); what is refused counts for nothing.
PUBLIC_FORM_RATE_PER_DEVICE = env.str("PUBLIC_FORM_RATE_PER_DEVICE", default="5/10m")
PUBLIC_FORM_RATE_PER_ADDRESS = env.str("PUBLIC_FORM_RATE_PER_ADDRESS", default="20/10m")
PUBLIC_FORM_RATE_PER_STORE = env.str("PUBLIC_FORM_RATE_PER_STORE", default="60/h")
# The customer's status page (/s/<token>/, web/views/status.py): pages opened per client address, found or not, so
# that nobody can try keys one after another.
STATUS_LINK_RATE_PER_ADDRESS = env.str("STATUS_LINK_RATE_PER_ADDRESS", default="60/10m")
PUBLIC_FORM_TEXT_MAX_CHARS = env.int("PUBLIC_FORM_TEXT_MAX_CHARS", default=2_000)
PUBLIC_FORM_PHOTO_MAX_BYTES = env.int("PUBLIC_FORM_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
# The most pixels a photo is decoded at (complaints/photos.py), which bounds a web worker's time and memory on one:
# a larger JPEG is decoded reduced (1/2 to 1/8), another format is refused before decoding (a decompression bomb
# is a small file of many pixels). Twelve million: a phone camera's usual photo, decoded in about half a second.
PUBLIC_FORM_PHOTO_MAX_PIXELS = env.int("PUBLIC_FORM_PHOTO_MAX_PIXELS", default=12_000_000)
# The stored copy's longest side, in pixels.
PUBLIC_FORM_PHOTO_MAX_SIDE = env.int("PUBLIC_FORM_PHOTO_MAX_SIDE", default=2_048)
# What a complaint is filed under when the customer did not choose (a Category code).
PUBLIC_FORM_CATEGORY = env.str("PUBLIC_FORM_CATEGORY", default="other")
# Uploaded photos; nothing serves this folder: staff see photos through a page that checks the store.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Customers -------------------------------------------------------------------------------
# A customer is flagged for unusual compensation when more than this share of their complaints of
# the last 365 days got a grant above the compensation guideline.
CUSTOMER_UNUSUAL_COMPENSATION_SHARE = env.float("CUSTOMER_UNUSUAL_COMPENSATION_SHARE", default=0.5)
# Customers whose last complaint is older than this are anonymized by a daily task.
CUSTOMER_RETENTION_DAYS = env.int("CUSTOMER_RETENTION_DAYS", default=365)

# --- Django REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.rest.wire.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.rest.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.rest.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.rest.wire.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "core.rest.wire.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Service Recovery Desk API",
    "DESCRIPTION": (
        "Complaints walked through listen → apologize → respond → follow up → close.\n\n"
        "Authenticate with `POST /api/v1/auth/token/` and send `Authorization: Token <token>`. "
        "Every POST accepts an optional `Idempotency-Key` header: a repeat with the same key and "
        "body returns the stored response without acting again."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.ComplaintStatus",
        "EventKindEnum": "complaints.models.EventKind",
        "CompensationKindEnum": "recovery.models.CompensationKind",
        "RoleEnum": "staff.models.Role",
        "SeverityEnum": "complaints.models.Severity",
        "TierCodeEnum": "complaints.models.TierCode",
    },
}

# How long Idempotency-Key records are kept (the promise to clients is at least 24 hours).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48)
# A request still marked in progress after this long is taken to have died and may be retried.
IDEMPOTENCY_STALE_SECONDS = env.int("IDEMPOTENCY_STALE_SECONDS", default=120)

# --- Email ------------------------------------------------------------------------------------
# Where staff open the product: links in notification emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where notification emails go, as a URL: smtp://user:password@host:587 (smtp+tls:// for STARTTLS,
# smtp+ssl:// for implicit TLS, ?timeout=10 for options), consolemail:// (print them),
# dummymail:// (drop them). Special characters in the password are %-encoded.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")


def _mailer(url: str) -> dict:
    """A MAILERS entry from an email URL (django-environ's schemes)."""
    parsed = environ.Env.email_url_config(url)
    options = {
        "host": parsed["EMAIL_HOST"],
        "port": parsed["EMAIL_PORT"],
        "username": parsed["EMAIL_HOST_USER"],
        "password": parsed["EMAIL_HOST_PASSWORD"],
        "use_tls": parsed.get("EMAIL_USE_TLS"),
        "use_ssl": parsed.get("EMAIL_USE_SSL"),
        **{name.lower(): value for name, value in parsed.get("OPTIONS", {}).items()},
    }
    if parsed["EMAIL_BACKEND"].endswith(".smtp.EmailBackend"):
        return {
            "BACKEND": parsed["EMAIL_BACKEND"],
            "OPTIONS": {k: v for k, v in options.items() if v not in ("", None)},
        }
    if parsed["EMAIL_BACKEND"].endswith(".filebased.EmailBackend"):
        return {"BACKEND": parsed["EMAIL_BACKEND"], "OPTIONS": {"file_path": "/" + parsed["EMAIL_FILE_PATH"]}}
    return {"BACKEND": parsed["EMAIL_BACKEND"]}


MAILERS = {"default": _mailer(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="service-recovery@localhost")

# --- The follow-up survey -------------------------------------------------------------------------
# How long a survey link sent to a customer may be answered.
SURVEY_LINK_MAX_AGE_DAYS = env.int("SURVEY_LINK_MAX_AGE_DAYS", default=14)

# --- Security ------------------------------------------------------------------------------
# Content-Security-Policy on every answer: scripts, styles, images and requests from this site only; no inline script
# or style, no eval, no plugins, no framing, forms sent here only. The pages keep to it (web/static/web/app.js holds
# every script; htmx runs without eval), and so do the admin, the browsable API and the API's docs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# A signed-in session on a shared tablet lasts a shift at most, and ends sooner when nobody uses it (core/sessions.py).
SESSION_SHIFT_HOURS = env.float("SESSION_SHIFT_HOURS", default=12)
SESSION_IDLE_MINUTES = env.float("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = int(SESSION_SHIFT_HOURS * 60 * 60)
# The language chosen in the header: sent over HTTPS only (as the session), never to other sites' requests, never
# to scripts.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Security (production) ------------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and orchestrators probe these over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
