"""text/csv for DRF's content negotiation, for views that answer with a file of ``core.csv``."""

from rest_framework import renderers

from core.csv import csv_lines


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
