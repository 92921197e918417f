"""Settings for the test suite: the real settings, pointed at local PostgreSQL and Redis."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/service_recovery")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-7c1e9a3b5d")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")

from config.settings import *  # noqa: F403
from config.settings import _mailer

# Hashing passwords at full strength would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# A worker process that a test starts sends to the test's own SMTP server on loopback (tests read
# mail.outbox otherwise): tests/recovery/test_email_exactly_once.py.
if "TEST_WORKER_EMAIL_URL" in os.environ:
    MAILERS = {"default": _mailer(os.environ["TEST_WORKER_EMAIL_URL"])}
# A test that stops Redis must not keep the tests after it from sending tasks (core/queue.py); the one
# that tests the pause sets it.
BROKER_PAUSE_SECONDS = float(os.environ.get("BROKER_PAUSE_SECONDS", 0))
# Static files are served only where a test puts production's way back (tests/test_first_run.py):
# WhiteNoise would read every app's static files for each test's client. Copies, not changes, so
# that config.settings keeps production's values for those tests.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
