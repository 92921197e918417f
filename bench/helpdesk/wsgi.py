"""WSGI entry of the benchmark's peer (``gunicorn wsgi:application --chdir bench/helpdesk``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

application = get_wsgi_application()
