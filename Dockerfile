# One image for web (gunicorn), Celery worker and beat; docker-compose.yml picks the command.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Neither build step opens the database; production's settings only insist on being told of one.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext >/dev/null \
    && DEBUG=False SECRET_KEY=compilemessages-only DATABASE_URL=postgres://build-only@localhost/none \
        python manage.py compilemessages \
    && apt-get purge -y -qq gettext >/dev/null && rm -rf /var/lib/apt/lists/*
RUN DEBUG=False SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build-only@localhost/none \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /srv/media && chown app /srv/media
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
