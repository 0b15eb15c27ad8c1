"""Counts and moments said for a person: "1 article", "2 feeds"; when a feed will be tried
again, with how long that is from now (UTC, as every time newsreader prints about fetching; the
date is said when it is not today).
"""

from __future__ import annotations

import time

from newsreader.models import Feed


def counted(number: int, noun: str, plural: str = "") -> str:
    """``1 article``, ``2 articles``, ``1,024 feeds``."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def size_text(limit: int) -> str:
    mib = limit / (1024 * 1024)
    if mib >= 1:
        return f"{mib:g} MiB"
    return f"{limit // 1024} KiB" if limit >= 1024 else f"{limit} bytes"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} days"


def moment(epoch: float, now: float | None = None) -> str:
    """``at 08:51 UTC (in 12 min)``; ``on Fri 04 Dec at 08:51 UTC (in 23 h 5 min)`` when it is
    not today; ``on 2027-01-20 at 08:51 UTC (in 48 days)`` beyond a week."""
    now = time.time() if now is None else now
    then = time.gmtime(epoch)
    clock = time.strftime("%H:%M UTC", then)
    if then[:3] == time.gmtime(now)[:3]:
        day = ""
    elif abs(epoch - now) < 7 * 86400:
        day = time.strftime("on %a %d %b ", then)
    else:
        day = time.strftime("on %Y-%m-%d ", then)
    relative = f"in {_duration(epoch - now)}" if epoch >= now else f"{_duration(now - epoch)} ago"
    return f"{day}at {clock} ({relative})"


def feed_problem(feed: Feed, now: float | None = None) -> str:
    """What is wrong with a feed, in one line: its last error, and when it is tried again when
    that is later than the next refresh."""
    if not feed.last_error:
        return ""
    now = time.time() if now is None else now
    if feed.next_fetch_after is not None and feed.next_fetch_after > now:
        return f"{feed.last_error}; next try {moment(feed.next_fetch_after, now)}"
    return feed.last_error
