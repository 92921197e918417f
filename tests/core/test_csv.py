"""CSV for spreadsheets: cells neutralised and formatted, lines with a BOM and CRLF, whole lines per piece."""

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from complaints.masking import mask_phone
from core.csv import csv_cell, csv_lines, in_chunks
from core.rest.renderers import CSVRenderer


@pytest.mark.parametrize("text", ["=cmd", "+1", "-1", "@x", "\tx", "\rx"])
def test_text_starting_like_a_formula_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["", "plain", "a=b", " =1", "'quoted", "汤是凉的"])
def test_other_text_is_left_as_it_is(value):
    assert csv_cell(value) == value


def test_numbers_stay_numbers_even_negative():
    assert csv_cell(Decimal("-5.00")) == Decimal("-5.00")
    assert csv_cell(-3) == -3
    assert csv_cell(None) is None


def test_date_times_are_the_wall_clock_time_of_their_own_zone_to_the_second():
    shanghai = timezone(timedelta(hours=8))
    assert csv_cell(datetime(2026, 11, 23, 12, 0, 5, 123456, tzinfo=shanghai)) == "2026-11-23 12:00:05"
    assert csv_cell(datetime(2026, 11, 23, 4, tzinfo=UTC)) == "2026-11-23 04:00:00"
    assert csv_cell(datetime(2026, 11, 23, 12, 30)) == "2026-11-23 12:30:00"
    assert csv_cell(date(2026, 11, 23)) == "2026-11-23"


def test_lines_open_with_the_bom_end_in_crlf_and_read_back():
    lines = list(csv_lines(["name", "note"], [["王女士", 'said "hot",\nthen left'], ["=x", None]]))
    assert lines[0] == "\ufeffname,note\r\n"
    assert all(line.endswith("\r\n") for line in lines)
    text = "".join(lines).encode("utf-8").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["name", "note"],
        ["王女士", 'said "hot",\nthen left'],
        ["'=x", ""],
    ]


def test_pieces_hold_whole_lines_and_lose_none():
    lines = [f"line {i}\r\n" for i in range(1000)]
    pieces = list(in_chunks(iter(lines), size=100))
    assert "".join(pieces) == "".join(lines)
    assert all(piece.endswith("\r\n") for piece in pieces)
    assert 1 < len(pieces) < len(lines)


def test_the_renderer_writes_rows_the_same_way():
    assert CSVRenderer().render([["a", "b"], ["=1", 2]]) == "\ufeffa,b\r\n'=1,2\r\n".encode()
    assert CSVRenderer().render(None) == b""


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613800138000", "138****8000"),
        ("+861012345678", "101****5678"),
        ("+447400123456", "+44****3456"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_is_shown_with_its_middle_hidden(stored, shown):
    assert mask_phone(stored) == shown
