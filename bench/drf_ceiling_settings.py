"""The benchmark's same-stack ceiling: the product's own settings (middleware, DRF, token authentication,
the database connection), with one more route, ``POST /bench/insert/`` (``drf_ceiling_urls``).

Not part of the product: ``bench/complaint_create.py`` serves it with ``gunicorn config.wsgi
--pythonpath bench`` and ``DJANGO_SETTINGS_MODULE=drf_ceiling_settings``, with the same worker settings
as the product. What separates the product's create from it is the create's own work.
"""

from config.settings import *  # noqa: F403  (the product's settings, whole)

ROOT_URLCONF = "drf_ceiling_urls"
