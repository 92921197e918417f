"""WSGI entry point (gunicorn config.wsgi)."""

import codecs
import json
import os
from collections.abc import Callable, Iterable

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def reject_non_text_charsets(app: Callable) -> Callable:
    """Answer 400 to ``Content-Type: …; charset=rot13`` and the like.

    Django takes any codec Python knows as the request's charset and then fails with a
    LookupError while building the request, before any middleware can answer, so this check
    sits in front of it.
    """

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        charset = _charset(environ.get("CONTENT_TYPE", ""))
        if charset is not None and not _is_text_encoding(charset):
            body = json.dumps({"code": "unsupported_charset", "detail": "Unsupported charset."}).encode()
            start_response(
                "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return app(environ, start_response)

    return guarded


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


def _is_text_encoding(name: str) -> bool:
    try:
        return codecs.lookup(name)._is_text_encoding
    except (LookupError, ValueError):
        return True  # unknown names Django ignores itself; only known non-text codecs break it


application = reject_non_text_charsets(get_wsgi_application())
