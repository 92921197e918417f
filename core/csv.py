"""CSV files for spreadsheets: Excel opens them as they are (UTF-8 with a BOM, CRLF line ends) and runs
no formula from them; written row by row, so that a file of a million rows streams in constant memory.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

BOM = "\ufeff"  # without it Excel reads UTF-8 as the system's code page, and Chinese as mojibake
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARACTERS = 64 * 1024


class _Echo:
    """A file whose ``write`` hands back what it is given: ``csv.writer.writerow`` then returns the line."""

    def write(self, text: str) -> str:
        return text


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _moment(value: datetime) -> str:
    # Not strftime: this costs half as much, which shows over a million rows of five each.
    return "%04d-%02d-%02d %02d:%02d:%02d" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


def _day(value: date) -> str:
    return value.isoformat()


# By exact class, the common case in one lookup; subclasses (a TextChoices member) go the long way.
_BY_CLASS = {str: _text, datetime: _moment, date: _day}
_AS_IS = frozenset({type(None), int, float, Decimal, bool})


def csv_cell(value: object) -> object:
    """``value`` as a spreadsheet should read it.

    Text that a spreadsheet would run as a formula gets a leading ``'`` (shown as text, not run);
    a date-time is its wall-clock time to the second (``2026-11-23 12:00:00``, which Excel reads as one), in
    its own zone: a person reads it, so the caller gives it in the zone its header names; None is empty;
    numbers stay numbers (a negative amount is no formula, and quoting it would make it text).
    """
    convert = _BY_CLASS.get(value.__class__)
    if convert is not None:
        return convert(value)
    if value.__class__ in _AS_IS:
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return _day(value)
    return value


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """``header``, then each of ``rows``, as one CSV line each (CRLF); the first line opens with the BOM."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def in_chunks(lines: Iterable[str], size: int = CHUNK_CHARACTERS) -> Iterator[str]:
    """``lines`` joined into pieces of whole lines of about ``size`` characters: the server writes
    a piece at a time rather than a line at a time."""
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= size:
            yield "".join(piece)
            piece.clear()
            length = 0
    if piece:
        yield "".join(piece)


def csv_response(*, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A download of ``header`` and ``rows``, streamed as ``rows`` is read (a lazy iterator stays lazy)."""
    response = StreamingHttpResponse(in_chunks(csv_lines(header, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
