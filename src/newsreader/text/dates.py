"""Dates as feeds, pages and headers write them, read to epoch seconds in one place.

Every source (the lxml fast path, feedparser's, JSON Feed, local article files) reads its dates
here, so one instant never depends on which parser saw it. The two shapes almost every feed
uses are read by the standard library: ISO 8601 / RFC 3339 (Atom, JSON Feed, Dublin Core) and
RFC 822 with a numeric offset or GMT/UTC (RSS). Everything else — zone names such as ``ET`` or
``MEST``, offsets written ``+05:30``, a missing weekday or seconds, asctime, W3C-DTF's reduced
forms, the Korean, Greek and Hungarian formats — goes to feedparser's date parsers, the
reference, which knows them all.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import mktime_tz, parsedate_tz

# What email.utils and feedparser read the same way: day month year time and a numeric
# offset or GMT/UT/UTC/Z (email.utils would read an unknown zone name, or a colon in the
# offset, as UTC — hours off).
_PLAIN_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+"
    r"(?:[+-]\d{4}|GMT|UTC?|Z)",
    re.I,
)
_FULL_DATE = re.compile(r"\d{4}-(\d{2})-(\d{2})")
_DAY_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d")


def parse_date(value: str) -> float | None:
    """Epoch seconds (whole, as feedparser gives them), or None for what is not a date."""
    value = value.strip()
    if not value:
        return None
    full = _FULL_DATE.match(value)
    if full is not None:
        if not (1 <= int(full.group(1)) <= 12 and 1 <= int(full.group(2)) <= 31):
            return None  # feedparser would roll 2024-13-45 over into another day
        iso = _from_iso(value)
        if iso is not None:
            return iso
    elif _PLAIN_RFC822.fullmatch(value):
        parsed = parsedate_tz(value)
        if parsed is not None and parsed[0] >= 1900 and parsed[9] is not None:
            try:
                return float(mktime_tz(parsed))
            except (OverflowError, ValueError):
                return None
    return _reference(value)


def parse_day(value: str) -> float | None:
    """A date as people write it on a page (``3 December 2026``, ``December 3, 2026``) or any
    :func:`parse_date` form; a day alone is its midnight UTC."""
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    return parse_date(value)


def _from_iso(value: str) -> float | None:
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return float(int(moment.timestamp()))
    except (OverflowError, OSError, ValueError):
        return None


def _reference(value: str) -> float | None:
    from feedparser.datetimes import _parse_date

    try:
        struct = _parse_date(value)
    except (ValueError, OverflowError, IndexError):
        return None
    if struct is None:
        return None
    try:
        return float(calendar.timegm(struct))
    except (OverflowError, ValueError):
        return None
