"""The one gate every untrusted string passes before it is stored or shown.

Feed and file content may carry terminal escape sequences, control characters and bidi overrides
meant to rewrite the screen, set the clipboard (OSC 52), forge hyperlinks (OSC 8) or disguise
text. They are removed here, once, after any HTML-to-text step (so ``&#27;`` that unescaping turned
into ESC is caught too). Functions are pure and idempotent: ``f(f(s)) == f(s)``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

# Whole escape sequences, in 7-bit (ESC x) and 8-bit (C1) forms.
#   CSI: ESC [ or 0x9B, parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E.
#   OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ (or 0x9D 0x90 0x98 0x9E 0x9F) up to BEL or ST
#   (ESC \ or 0x9C). An unterminated string sequence loses only its introducer: the rest
#   is then plain text.
#   Any other ESC sequence: ESC, intermediates 0x20-0x2F, one final byte 0x30-0x7E.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# Explicit bidi embeddings, overrides and isolates: these reorder the text that follows them.
_BIDI_OVERRIDES = re.compile(r"[\u202a-\u202e\u2066-\u2069]")

# Single-line fields also lose bidi marks, zero-width characters and line/paragraph separators.
_SINGLE_LINE_INVISIBLE = re.compile(r"[\u061c\u200b-\u200f\u2060-\u2064\ufeff]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85\x0b\x0c]+")
_SPACES = re.compile(r"[ \u00a0]{2,}")


_SEQUENCE_START = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")


def _strip_controls(value: str) -> str:
    if _SEQUENCE_START.search(value):
        value = _ESCAPE_SEQUENCE.sub("", value)
    if _CONTROLS.search(value):
        value = _CONTROLS.sub("", value)
    return value


# One scan that tells whether a string needs any work at all: most text does not.
_TEXT_TROUBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_TROUBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
    r"|[ \u00a0]{2}|^[ \u00a0]|[ \u00a0]$"
)


# Latin-1 characters that need no work in multi-line text (C0 and C1 controls do).
_SAFE_LATIN1_TEXT = b"\t\n" + bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100))


def clean_text(value: str | None) -> str:
    """Sanitise multi-line text (bodies, summaries, captions). Keeps newlines and tabs."""
    if not value:
        return ""
    try:  # most text is ASCII or Latin-1 (two thirds of the real-feed corpus's bodies):
        # encoding it is a copy, and deleting the safe bytes one C pass (a tenth of a regex's)
        if not value.encode("latin-1").translate(None, _SAFE_LATIN1_TEXT):
            return value
    except UnicodeEncodeError:
        if value.isprintable() or value.replace("\n", "").replace("\t", "").isprintable():
            return value
    if not _TEXT_TROUBLE.search(value):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    value = _strip_controls(value)
    return _BIDI_OVERRIDES.sub("", value)


def clean_line(value: str | None) -> str:
    """Sanitise a single-line field (titles, names, URLs): no line breaks, no invisible
    characters, runs of spaces collapsed, trimmed."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " ":
        return value
    if not _LINE_TROUBLE.search(value):
        return value
    value = _LINE_BREAKS.sub(" ", value)
    value = _strip_controls(value)
    value = _BIDI_OVERRIDES.sub("", value)
    value = _SINGLE_LINE_INVISIBLE.sub("", value)
    value = _SPACES.sub(" ", value)
    return value.strip()


def clean_url(value: str | None) -> str:
    """A URL as a single line with no spaces inside it; empty when nothing is left."""
    value = clean_line(value)
    return value.replace(" ", "%20")


# The same sequences in the raw bytes of an ASCII-compatible document (UTF-8, Latin-1, …), so
# that no parser splits one into pieces (a credit line cut at ";" would keep an OSC's payload
# as text). UTF-8-encoded C1 introducers are matched as their two-byte forms.
_BYTE_SEQUENCE = re.compile(
    rb"(?:\x1b\[|\xc2\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    rb"|(?:\x1b[\]PX^_]|\xc2[\x9d\x90\x98\x9e\x9f])[^\x07\x1b]*?(?:\x07|\x1b\\|\xc2\x9c)"
    rb"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)
_BYTE_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_UTF8_C1 = re.compile(rb"\xc2[\x80-\x9f]")


def _has_controls(data: bytes) -> bool:
    """Whether ``data`` holds a C0 control (but tab and line breaks), DEL or a UTF-8 C1. One
    ``bytes.translate`` in C, many times faster than a regular expression over a large feed."""
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return True
    return b"\xc2" in data and _UTF8_C1.search(data) is not None


def clean_document(data: bytes) -> bytes:
    """Remove escape sequences and C0 controls (but tab and line breaks) from a whole document
    before it is parsed. Documents in UTF-16 or UTF-32 are left to the string-level gate."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:256]:
        return data
    if not _has_controls(data):
        return data
    data = _BYTE_SEQUENCE.sub(b"", data)
    return _BYTE_CONTROLS.sub(b"", data)


def clean_tree(value: object) -> object:
    """A parsed JSON document with every string (keys too) passed through :func:`clean_text`:
    JSON can carry any control character as an escape such as ``\\u001b``."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_tree(v) for k, v in value.items()}
    return value


def join_url(base: str, reference: str) -> str:
    """``reference`` resolved against ``base``; as written when either is malformed (one bad
    link in a feed costs that link, never its item)."""
    if not base or not reference or reference.startswith(("http://", "https://")):
        return reference
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


def is_web_url(url: str) -> bool:
    """True for http(s) URLs: the only ones newsreader ever opens or follows."""
    head = url[:8].lower()
    return head.startswith("http://") or head.startswith("https://")


# ``scheme://userinfo@`` anywhere in a text: the userinfo is everything up to the last "@"
# before the host's end (a password may hold "@" when it is not percent-encoded)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")


def redact_credentials(text: str) -> str:
    """``text`` with the user name and password of every URL in it replaced by ``***``: a feed
    URL may carry basic-auth credentials, which are never shown, logged or stored as text."""
    if "@" not in text or "://" not in text:
        return text
    return _USERINFO.sub(r"\1***@", text)


def without_credentials(url: str) -> str:
    """``url`` with its userinfo removed (an export others may read)."""
    return _USERINFO.sub(r"\1", url) if "@" in url else url
