"""One date module for every source: each shape feedparser documents reads to the instant
feedparser gives, whichever part of text/dates.py reads it (the standard library for the
common shapes, feedparser's parsers for the rest)."""

from __future__ import annotations

import calendar

import pytest
from feedparser.datetimes import _parse_date

from newsreader.text.dates import parse_date, parse_day

UTC_2024 = 1704103200.0  # Mon, 01 Jan 2024 10:00:00 UTC

WRITTEN = [
    # RFC 822 and its relatives (RSS)
    "Mon, 01 Jan 2024 10:00:00 GMT",
    "Mon, 01 Jan 2024 10:00:00 +0000",
    "Mon, 01 Jan 2024 12:00:00 +0200",
    "Mon, 01 Jan 2024 15:30:00 +05:30",
    "Mon, 01 Jan 2024 05:00:00 -05:00",
    "01 Jan 2024 10:00:00 UT",
    "Mon, 1 Jan 2024 10:00 Z",
    "Mon, 01 Jan 24 10:00:00 GMT",
    "Mon, 01 Jan 2024 05:00:00 EST",
    "Mon, 01 Jan 2024 06:00:00 EDT",
    "Mon, 01 Jan 2024 05:00:00 ET",
    "Mon, 01 Jan 2024 04:00:00 CT",
    "Mon, 01 Jan 2024 03:00:00 MT",
    "Mon, 01 Jan 2024 02:00:00 PT",
    "Mon, 01 Jan 2024 06:00:00 AT",
    "Mon, 01 Jan 2024 11:00:00 MET",
    "Mon, 01 Jan 2024 12:00:00 MEST",
    "Mon, 01 Jan 2024 10:00:00 Etc/GMT",
    "Mon, 01 Jan 2024 10:00:00 GMT+00:00",
    "Mon, 01 Jan 2024",
    "Monday, 01 Jan 2024 10:00:00 GMT",
    # ISO 8601 / W3C-DTF / RFC 3339 (Atom, RSS 1.0, JSON Feed)
    "2024-01-01T10:00:00Z",
    "2024-01-01T10:00:00.250Z",
    "2024-01-01T12:00:00+02:00",
    "2024-01-01T10:00Z",
    "2024-01-01T10:00:00",
    "2024-01-01",
    "2024-01",
    "2024",
    "20240101T100000Z",
    "2024-001",
    # asctime, and what other software writes
    "Mon Jan  1 10:00:00 2024",
    "Sun Jan  4 16:29:06 PST 2004",
    "2004/02/28 18:14:55",
]


@pytest.mark.parametrize("written", WRITTEN)
def test_every_shape_reads_as_feedparser_reads_it(written: str) -> None:
    struct = _parse_date(written)
    expected = float(calendar.timegm(struct)) if struct is not None else None
    assert parse_date(written) == expected


def test_the_zones_give_one_instant() -> None:
    zoned = [w for w in WRITTEN[:18] if w.startswith(("Mon, 01 Jan 2024 ", "01 Jan", "Mon, 1 "))]
    assert {parse_date(w) for w in zoned} == {UTC_2024}


def test_what_is_not_a_date() -> None:
    """Stricter than feedparser in one place: it rolls a month 13 over into the next year."""
    for written in ("", "  ", "soon", "yesterday at noon", "2024-13-45T99:99:99Z"):
        assert parse_date(written) is None, written


def test_a_day_as_a_page_writes_it() -> None:
    midnight = 1764720000.0  # 3 December 2025, 00:00 UTC
    for written in ("3 December 2025", "December 3, 2025", "3 Dec 2025", "2025/12/03"):
        assert parse_day(written) == midnight, written
