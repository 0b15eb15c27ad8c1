"""Where an aggregator's link really goes: the article page behind a Google News link or a
page that only redirects (meta refresh, a script setting ``location``).

A feed such as Google News links every item to its own page, which sends a browser on with
a script; fetched as it is, that page holds no article. Its article id often carries the
publisher's URL (base64 of a small protobuf), read here without asking Google; otherwise
the page the fetch returns is read for where it sends the browser. Both are untrusted
text: only an http(s) URL other than the page's own comes out.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from newsreader.text.sanitize import clean_url, is_web_url, join_url

MAX_HOPS = 2  # redirect pages followed, after the HTTP redirects the fetcher follows
_SMALL_PAGE = 64 * 1024  # a page that only redirects is small; an article that links is not
_GOOGLE_NEWS = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]{16,})")
_URL_IN_BYTES = re.compile(rb"https?://[\x21-\x7e]+")
_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*[;,]?\s*"""
    r"""url\s*=\s*['"]?([^"'>\s]+)""",
    re.I,
)
_META_REFRESH_REVERSED = re.compile(
    r"""<meta[^>]+content\s*=\s*["']\s*\d*\s*[;,]?\s*url\s*=\s*['"]?([^"'>\s]+)['"]?[^>]*"""
    r"""http-equiv\s*=\s*["']?refresh""",
    re.I,
)
_SCRIPT_LOCATION = re.compile(
    r"""(?:window\.|document\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)""",
    re.I,
)
_DATA_URL = re.compile(r"""\bdata-n-au\s*=\s*["']([^"']+)["']""", re.I)


def decoded_link(url: str) -> str:
    """The publisher's URL a Google News article link carries, or ``url`` itself."""
    parts = urlsplit(url)
    if parts.hostname != "news.google.com":
        return url
    found = _GOOGLE_NEWS.match(parts.path)
    if found is None:
        return url
    token = found.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return url
    inside = _URL_IN_BYTES.search(raw)
    if inside is None:  # the newer ids carry a key, not the URL: the page is read instead
        return url
    start, written = inside.start(), inside.group(0)
    # a protobuf string: its length is the varint before it (printable bytes may follow)
    if start >= 1 and raw[start - 1] < 0x80:
        length = raw[start - 1]
        if start >= 2 and raw[start - 2] >= 0x80:
            length = (raw[start - 2] & 0x7F) | (length << 7)
        written = written[:length]
    target = clean_url(written.decode("ascii"))
    return target if is_web_url(target) else url


def page_redirect(page: str, page_url: str) -> str:
    """Where a page that only redirects sends the browser ("" when it is not such a page)."""
    if len(page) > _SMALL_PAGE:
        return ""
    for pattern in (_DATA_URL, _META_REFRESH, _META_REFRESH_REVERSED, _SCRIPT_LOCATION):
        found = pattern.search(page)
        if found is None:
            continue
        written = next(g for g in found.groups() if g)
        target = clean_url(join_url(page_url, _unescape(written)))
        if is_web_url(target) and target.split("#")[0] != page_url.split("#")[0]:
            return target
    return ""


def _unescape(written: str) -> str:
    """An address as written in HTML or a script string (``&amp;``, ``\\/``)."""
    return written.replace("&amp;", "&").replace("\\/", "/").strip()
