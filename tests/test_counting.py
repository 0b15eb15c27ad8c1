"""The compiled word counter gives the bytes of its Python reference, on any text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.feeds.parse import parse_feed
from newsreader.related import terms
from newsreader.store.indexing import text_of

pytestmark = pytest.mark.skipif(
    terms._counting is None and os.environ.get("NEWSREADER_REQUIRE_COMPILED") != "1",
    reason="the compiled counter was not built (no C compiler when newsreader was installed)",
)


def reference(title: str, summary: str, text: str, url: str = "") -> bytes:
    return terms.count_terms(title, summary, text, url).packed().to_bytes()


def compiled(title: str, summary: str, text: str, url: str = "") -> bytes:
    assert terms._counting is not None, "NEWSREADER_REQUIRE_COMPILED=1 and no compiled counter"
    return terms.packed_terms(title, summary, text, url).to_bytes()


# What the word pattern and the cleaning turn on: joiners at either end, possessives, digit
# groups, '_', letters that are not ASCII (one that lowercases to two code points, one outside
# the BMP), digits that are not decimal (²), decimal digits that are not ASCII (٣), a lone
# surrogate, stop words.
ALPHABET = [*"abcsS019_'’-,. \n\t/", "é", "İ", "ß", "Σ", "ж", "𝒜", "²", "٣", "\ud800", "😀"]
WORDS = ["the", "it's", "nasa’s", "1,000.5", "co-op", "--x", "x's", "ab", "a", "2017.", "_ab"]
texts = st.lists(st.sampled_from(ALPHABET) | st.sampled_from(WORDS), max_size=400).map("".join)


@settings(max_examples=400, deadline=None)
@given(title=texts, summary=texts, body=texts, slug=st.lists(texts, max_size=6))
def test_any_text_counts_to_the_same_bytes(
    title: str, summary: str, body: str, slug: list[str]
) -> None:
    url = "https://example.com/" + "/".join(s.replace("/", "-") for s in slug)
    assert compiled(title, summary, body, url) == reference(title, summary, body, url)


def test_a_long_body_drops_its_words_said_once_in_both() -> None:
    body = " ".join(f"word{n}" for n in range(200)) + " orbit orbit kept kept"
    packed = terms.packed_terms("A headline", "", body)
    assert len(packed.word_keys) == 3  # headline, orbit, kept ("a" is a stop word)
    assert compiled("A headline", "", body) == reference("A headline", "", body)


def test_every_article_of_the_corpora_counts_to_the_same_bytes(shared: Path) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for path in sorted((shared / "corpus" / "real-feeds").iterdir()):
        if path.suffix in (".tsv", ".md"):
            continue
        for article in parse_feed(path.read_bytes(), "", "https://example.com/").articles:
            text = article.text or text_of(article.body)
            rows.append((article.title, article.summary, text, article.url))
    for line in (shared / "corpus" / "labeled" / "newscluster-events.jsonl").open():
        item = json.loads(line)
        fields = ("title", "description", "body", "url")
        rows.append(tuple(item.get(field) or "" for field in fields))  # type: ignore[arg-type]
    assert len(rows) > 3_000
    differ = [row[0] for row in rows if compiled(*row) != reference(*row)]
    assert not differ, differ[:5]


def compiled_rows(
    items: list[tuple[int, terms.PackedTerms]], idf: dict[int, float]
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, bytes]]]:
    assert terms._counting is not None, "NEWSREADER_REQUIRE_COMPILED=1 and no compiled counter"
    return terms.index_rows(items, idf)


@settings(max_examples=150, deadline=None)
@given(
    articles=st.lists(st.tuples(texts, texts, st.booleans()), min_size=1, max_size=8),
    first_id=st.integers(1, 40_000),
    idf_levels=st.lists(st.floats(0.0, 12.0), min_size=1, max_size=4),
)
def test_any_batch_gives_the_same_index_rows(
    articles: list[tuple[str, str, bool]], first_id: int, idf_levels: list[float]
) -> None:
    # few idf levels: equal weights, whose order falls to the keys, are common
    items = [
        (first_id + 7_919 * n % 20_000, terms.packed_terms(title, "", body, slug * "/a-b-c-d"))
        for n, (title, body, slug) in enumerate(articles)
    ]
    keys = {k for _, t in items for k in (*t.word_keys, *t.title_word_keys)}
    idf = {key: idf_levels[key % len(idf_levels)] for key in keys}
    assert compiled_rows(items, idf) == terms.reference_index_rows(items, idf)


def test_the_corpus_gives_the_same_index_rows(shared: Path) -> None:
    items = []
    lines = (shared / "corpus" / "labeled" / "newscluster-events.jsonl").open()
    for n, line in enumerate(lines):
        item = json.loads(line)
        fields = [item.get(field) or "" for field in ("title", "description", "body", "url")]
        items.append((n * 37 + 1, terms.packed_terms(*fields)))
    df: dict[int, int] = {}
    for _, packed in items:
        for key in packed.word_keys:
            df[key] = df.get(key, 0) + 1
    keys = {k for _, t in items for k in (*t.word_keys, *t.title_word_keys)}
    idf = terms.inverse_frequencies(df, len(items), keys)
    for start in range(0, len(items), 500):
        batch = items[start : start + 500]
        assert compiled_rows(batch, idf) == terms.reference_index_rows(batch, idf)


def test_a_module_built_for_another_interface_is_not_used() -> None:
    from types import SimpleNamespace

    from newsreader.compiled import built_for

    assert built_for(SimpleNamespace(API=terms.COUNTING_API), terms.COUNTING_API)
    assert not built_for(SimpleNamespace(API=terms.COUNTING_API - 1), terms.COUNTING_API)
    assert not built_for(SimpleNamespace(), terms.COUNTING_API)  # built before it said one
    assert not built_for(None, terms.COUNTING_API)
