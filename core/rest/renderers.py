"""text/csv for DRF's content negotiation, for views that answer with a file of ``core.csv``."""

from rest_framework import renderers

from core.csv import csv_lines
from core.rest.wire import JSONRenderer


class CSVRenderer(renderers.BaseRenderer):
    """Makes a view accept ``Accept: text/csv``.

    A view streaming its rows (``core.csv.csv_response``) bypasses it; given data it writes a
    list of rows, the header first, the same way (BOM, CRLF, formulas neutralised).
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not data:
            return b""
        header, *rows = data
        return "".join(csv_lines(header, rows)).encode(self.charset)


class CSVDownloadMixin:
    """For a view answering with a CSV file: it accepts text/csv (and */*), and its errors stay JSON like
    the rest of the API's, whatever Accept asked for (a bad query is the usual 400 {"field": ["message"]})."""

    renderer_classes = [CSVRenderer]

    def handle_exception(self, exc: Exception):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
