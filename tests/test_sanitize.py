import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from newsreader.text.sanitize import (
    clean_document,
    clean_line,
    clean_text,
    clean_tree,
    clean_url,
    is_web_url,
)

FORBIDDEN_ANYWHERE = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}
BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
SINGLE_LINE_EXTRA = {"\n", "\t", "\r", "\u2028", "\u2029", "\u200b", "\u200e", "\u200f", "\ufeff"}

hostile = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(["\x1b", "[", "]", "\x07", "\\", "P", "_", "^", "X", "\x9b", "\x9d", ";"]),
    )
)


def _has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@given(hostile)
def test_multi_line_removes_controls_and_is_idempotent(value: str) -> None:
    out = clean_text(value)
    assert not (set(out) & FORBIDDEN_ANYWHERE)
    assert not (set(out) & BIDI)
    assert not _has_surrogate(out)
    assert clean_text(out) == out


@given(hostile)
def test_single_line_removes_breaks_and_invisibles_and_is_idempotent(value: str) -> None:
    out = clean_line(value)
    assert not (set(out) & (FORBIDDEN_ANYWHERE | BIDI | SINGLE_LINE_EXTRA))
    assert not _has_surrogate(out)
    assert clean_line(out) == out


@given(st.text(alphabet=st.characters(max_codepoint=0xFF)))
def test_latin1_text_takes_the_fast_path_to_the_same_result(value: str) -> None:
    out = clean_text(value)
    assert not (set(out) & FORBIDDEN_ANYWHERE)
    assert clean_text(out) == out


def test_every_latin1_character_is_kept_or_cleaned_as_it_should_be() -> None:
    def kept(code: int) -> bool:
        return code in (0x09, 0x0A) or 0x20 <= code < 0x7F or code >= 0xA0

    wrong = [
        hex(c) for c in range(0x100) if (clean_text(f"a{chr(c)}b") == f"a{chr(c)}b") != kept(c)
    ]
    assert wrong == []


printable = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"), blacklist_characters="\u00a0"
    )
)


@given(printable)
def test_printable_text_is_unchanged(value: str) -> None:
    assert clean_text(value) == value


@given(printable.filter(lambda s: "  " not in s and s == s.strip()))
def test_printable_line_is_unchanged(value: str) -> None:
    assert clean_line(value) == value


def test_whole_escape_sequences_are_removed() -> None:
    payloads = {
        "\x1b]52;c;SGVsbG8=\x07": "",  # OSC 52 clipboard write
        "\x1b]0;pwned\x1b\\": "",  # OSC 0 title, ST-terminated
        "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\": "link",  # OSC 8 hyperlink
        "\x1b[2J\x1b[31mred\x1b[0m": "red",  # CSI
        "\x9b31mred": "red",  # 8-bit CSI
        "\x1bP1$qm\x1b\\": "",  # DCS
        "\x1b_apc\x1b\\": "",  # APC
        "\x1b^pm\x1b\\": "",  # PM
        "\x1bXsos\x1b\\": "",  # SOS
        "a\x1bcb": "ab",  # RIS
    }
    assert {raw: clean_text(raw) for raw in payloads} == payloads


def test_escape_written_as_html_entity_is_caught_after_unescaping() -> None:
    from newsreader.text.htmldoc import parse_html

    doc = parse_html("<p>title&#27;]52;c;eA==&#7; &amp;#27;[31m</p>")
    assert not (set(doc.text) & FORBIDDEN_ANYWHERE)
    # and when an earlier step has already turned the entity into ESC, the sequence goes whole
    assert clean_text("title\x1b]52;c;eA==\x07 end") == "title end"


def test_bidi_and_newlines_in_single_line_fields() -> None:
    assert clean_line("abc\u202edcba\n next\u2028line\u200b") == "abcdcba next line"


def test_non_breaking_spaces_survive_in_text_but_collapse_in_lines() -> None:
    assert clean_line("a\u00a0\u00a0b") == "a b"
    assert unicodedata.category(clean_text("a\u00a0b")[1]) == "Zs"


def test_urls() -> None:
    assert clean_url(" https://example.org/a b ") == "https://example.org/a%20b"
    assert is_web_url("HTTPS://example.org")
    assert not is_web_url("javascript:alert(1)")
    assert not is_web_url("file:///etc/passwd")


@given(st.binary(max_size=300))
def test_documents_lose_every_escape_and_control_byte(data: bytes) -> None:
    cleaned = clean_document(b"<rss>" + data)
    if b"\x00" not in data[:251]:  # else it may be UTF-16: left to the string-level gate
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", cleaned)


def test_a_document_keeps_its_text_and_loses_whole_sequences() -> None:
    raw = "Wire\x1b]52;c;cm0=\x07 (Rome);\x1b[6nAgency\u009b2J\u009d0;T\u009c é\n".encode()
    assert clean_document(raw) == "Wire (Rome);Agency é\n".encode()
    assert clean_document("A\u009b2JB ©".encode()) == "AB ©".encode()  # a C1 CSI alone
    assert clean_document("\ufeffplain\r\n".encode("utf-16")) == "\ufeffplain\r\n".encode("utf-16")


def test_json_documents_are_cleaned_before_their_fields_are_split() -> None:
    from newsreader.sources.local import json_raw

    tree = clean_tree({"sources": ["Wire\x1b]0;PWNED;x\x07 (Rome); Agency"], "n": 3})
    assert tree == {"sources": ["Wire (Rome); Agency"], "n": 3}
    raw = json_raw(tree, "a.json")
    assert [s.name for s in raw.sources] == ["Wire", "Agency"]


def test_quick_text_keeps_blocks_as_paragraphs_and_a_line_break_in_the_source_as_a_space() -> None:
    from newsreader.text.htmldoc import quick_text

    html = (
        "<p>The ferry\n   left <b>at\tnoon</b>.</p><script>var x = '<p>';</script>"
        "<div>Gales &amp; rain<br>all week</div>\n\n<!-- a note -->"
    )
    assert quick_text(html) == "The ferry left at noon.\n\nGales & rain\n\nall week"
