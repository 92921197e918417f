"""Settings of the benchmark's peer: django-helpdesk 2.6.1's ticket API, as a small deployment would run it.

Not part of the product, and not importable from its venv: ``bench/complaint_create.py`` runs this
project from ``bench/.venv-helpdesk/`` (``bench/helpdesk/requirements.txt``) with ``gunicorn
wsgi:application --chdir bench/helpdesk``, on the product's gunicorn settings, against a database
of its own. DEBUG off, PostgreSQL with persistent connections (as the product's: CONN_MAX_AGE 60,
health checks), Django's usual middleware, DRF token authentication. Mail is rendered and handed
to Django's dummy backend, which drops it: helpdesk e-mails the submitter from within the create.

Settings from the environment: ``HELPDESK_BENCH_DATABASE_URL`` (postgres://user@host:port/name) and
``SECRET_KEY``.
"""

import os
from urllib.parse import unquote, urlsplit

_database = urlsplit(os.environ["HELPDESK_BENCH_DATABASE_URL"])

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database.path.lstrip("/"),
        "USER": unquote(_database.username or "postgres"),
        "PASSWORD": unquote(_database.password or ""),
        "HOST": _database.hostname or "127.0.0.1",
        "PORT": str(_database.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@bench.invalid"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# django-helpdesk: its REST API on (/api/tickets/; 2.6.1 reads this switch, on by default, and not the
# older HELPDESK_ACTIVATE_API_ENDPOINT), no webhooks whatever the environment says, and no teams
# (they would need pinax-teams, for the knowledge base only).
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_GET_NEW_TICKET_WEBHOOK_URLS = list
HELPDESK_GET_FOLLOWUP_WEBHOOK_URLS = list
