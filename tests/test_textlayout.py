"""The reading pane's word wrap: the line-at-a-time path for plain ASCII paragraphs cuts
exactly where the word-at-a-time path does."""

import random

import pytest

from newsreader.ui.textlayout import _break_words, break_offsets

pytestmark = pytest.mark.ui


def _word_at_a_time(plain: str, width: int) -> list[int]:
    offsets: list[int] = []
    start = 0
    for paragraph in plain.split("\n"):
        _break_words(paragraph, start, width, offsets)
        start += len(paragraph) + 1
        offsets.append(start)
    return [o for o in offsets if 0 < o < len(plain)]


def test_ascii_lines_are_cut_where_words_are() -> None:
    pieces = ["a", "bb", "ccc", "x" * 25, " ", "  ", "\n", "é", "\t", "日本"]
    chance = random.Random(7)
    for _ in range(5000):
        plain = "".join(chance.choice(pieces) for _ in range(chance.randint(0, 60)))
        width = chance.randint(1, 30)
        assert break_offsets(plain, width) == _word_at_a_time(plain, width), (plain, width)


def test_examples() -> None:
    assert break_offsets("the cat sat on the mat", 7) == [8, 15]  # "the cat", "sat on", ...
    assert break_offsets("  indented words here", 10) == [11]  # leading spaces ride along
    assert break_offsets("abcdefghij klm", 4) == [4, 8, 11]  # a long word is cut
    assert break_offsets("one\ntwo three", 5) == [4, 8]
