"""The index behind related articles: each article's most distinctive terms, kept in SQLite.

An article is reduced to two small weighted vectors: its ``DOC_TERMS`` strongest words (title
counted three times, summary and the words of its link's slug one and a half, the first
``BODY_CHARS`` of the text once; log term frequency times inverse document frequency,
normalised over all its words) and the ``TITLE_TERMS`` words of its headline. Only those are
stored, as postings ``(term, article, weight)``, so an article costs about a kilobyte and a
query reads only the postings of its own terms.

Postings are kept by generation (``article id >> GENERATION_BITS``), then term, then article:
new articles all land in the newest generation, so writing a batch dirties the pages of one
small B-tree whatever the size of the store (keyed by term alone, a batch of 50 articles touched
4,000 pages of a 100k-article index), and a query reads its terms once per generation. A batch
adds a posting under most terms of its generation, so it rewrites most of that B-tree: the
smaller the generation, the less each batch writes, the more seeks a query makes.

Terms are stored as 63-bit hashes, never as text. Document frequencies count, for every new
article, each distinct word it was reduced to (a long body's words said once are left out
before counting), in one upsert per batch. Weights use the frequencies known
when the article was indexed; a query weighs its own terms with the current ones. An article
whose text changes is re-indexed (its words are not counted twice); a deleted article's postings
go with it.

Pure computation plus SQL on a connection the caller holds inside its write transaction: no UI
imports, no own connection.
"""

from __future__ import annotations

import math
import re
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter, mul
from urllib.parse import unquote, urlsplit

from newsreader.compiled import built_for

DOC_TERMS = 48
TITLE_TERMS = 8
BODY_CHARS = 3_000  # the headline, the lede and the first paragraphs carry the story
TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.5
TITLE_SIMILARITY = 0.2  # how much headline-to-headline likeness adds to the body's
WEIGHT_SCALE = 10_000  # weights are stored as integers: 4 decimals are plenty
FINGERPRINT_TERMS = 12
SLUG_WORDS = 24  # a link's words that count, at most
SINGLETONS_BELOW = 80  # an article with fewer distinct words keeps those it uses once
GENERATION_BITS = 12  # 4,096 articles per generation of postings


_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.]*\d|\d", re.UNICODE)
STOP_WORDS = frozenset(
    """a about above after again against all also am among an and another any are around as at
    be because been before being below between both but by can could did do does doing down
    during each even ever every few for from further had has have having he her here hers him
    his how however i if in into is it its itself just like made make many may me more most much
    must my near new no nor not now of off on once one only or other our out over own said same
    say says she should since so some still such than that the their them then there these they
    this those through to too under until up upon very was way we were what when where which
    while who whom why will with within without would year years you your yet told last first
    two three week day days time people according""".split()
)
_TITLE_PREFIX = "\x01"  # a headline word is a different term from the same word in the body

COUNTING_API = 4  # what the compiled counter must say it is (a stale build is not used)
try:  # built by the wheel's build hook (hatch_build.py); without a compiler, the Python below
    from newsreader.related import _counting
except ImportError:
    _counting = None  # type: ignore[assignment]
if not built_for(_counting, COUNTING_API):
    _counting = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class TermCounts:
    """An article's words, ready to be weighed: ``key -> (term, tf)`` for all its words (tf is
    1 + ln of the field-weighted count) and ``key -> (term, tf)`` for its headline's words;
    when its link's slug added words, ``own_tfs`` holds the tfs without them (``key -> tf``),
    for the fingerprint of its text."""

    words: dict[int, tuple[str, float]]
    title: dict[int, tuple[str, float]]
    own_tfs: dict[int, float] | None = None

    def packed(self) -> PackedTerms:
        own = self.own_tfs
        return PackedTerms(
            array("q", self.words),
            array("d", [tf for _term, tf in self.words.values()]),
            array("q", self.title),
            array("q", [title_key(term) for term, _tf in self.title.values()]),
            array("d", [tf for _term, tf in self.title.values()]),
            array("d", [own.get(key, 0.0) for key in self.words])
            if own is not None
            else array("d"),
        )


@dataclass(frozen=True, slots=True)
class PackedTerms:
    """An article's words as the index needs them: word keys and tfs, and for its headline
    the word keys (for their idf), the headline keys and tfs. Arrays without the words' text:
    a batch is small to hold and to send from a worker process, which ``TermCounts``, with
    every word's text, is not."""

    word_keys: array
    word_tfs: array
    title_word_keys: array
    title_keys: array
    title_tfs: array
    own_tfs: array  # word tfs without the slug's words, in word_keys order; empty: the same

    def to_bytes(self) -> bytes:
        """The arrays in one blob, for the store: their lengths, then their items."""
        parts = (self.word_keys, self.word_tfs, self.title_word_keys, self.title_keys,
                 self.title_tfs, self.own_tfs)  # fmt: skip
        return array("q", [len(a) for a in parts]).tobytes() + b"".join(a.tobytes() for a in parts)

    @classmethod
    def from_bytes(cls, blob: bytes) -> PackedTerms:
        """The terms :meth:`to_bytes` wrote (ValueError when the blob is not such a one)."""
        lengths = array("q", blob[:48])
        if len(lengths) != 6 or len(blob) != 48 + 8 * sum(lengths):
            raise ValueError("not a packed terms blob")
        parts, offset = [], 48
        for length, code in zip(lengths, "qdqqdd", strict=True):
            parts.append(array(code, blob[offset : offset + 8 * length]))
            offset += 8 * length
        return cls(*parts)


def _weighed_parts(title: str, summary: str, text: str, url: str) -> list[tuple[str, float]]:
    parts = [(title, TITLE_WEIGHT), (summary, SUMMARY_WEIGHT), (text[:BODY_CHARS], 1.0)]
    slug = url_words(url)
    if slug:  # weighed as the summary is, last: the counts before it are the text's own
        parts.append((slug, SUMMARY_WEIGHT))
    return parts


_SLUG_PART = 3  # the index of the slug's part, when there is one


def packed_words(title: str, summary: str, text: str, url: str = "") -> bytes:
    """``count_terms(...).packed().to_bytes()``, the words as the store keeps them until the
    related pass, by the compiled counter when it was built (the same bytes, a test checks;
    storing an article counts its words, and Python's per-word objects were most of a
    refresh's work)."""
    if _counting is None:
        return count_terms(title, summary, text, url).packed().to_bytes()
    parts = _weighed_parts(title, summary, text, url)
    own_before = _SLUG_PART if len(parts) > _SLUG_PART else -1
    return _counting.count_packed(
        parts, TITLE_WEIGHT, 1.0, SINGLETONS_BELOW, own_before, STOP_WORDS, _TITLE_PREFIX
    )


def packed_terms(title: str, summary: str, text: str, url: str = "") -> PackedTerms:
    """``count_terms(...).packed()``, by the compiled counter when it was built."""
    if _counting is None:
        return count_terms(title, summary, text, url).packed()
    return PackedTerms.from_bytes(packed_words(title, summary, text, url))


def count_terms(title: str, summary: str, text: str, url: str = "") -> TermCounts:
    """The reference for :func:`packed_terms`: an article's words with their text."""
    words: dict[int, list] = {}
    title_words: dict[int, tuple[str, float]] = {}
    parts = _weighed_parts(title, summary, text, url)
    own_counts: dict[int, float] | None = None
    for number, (part, weight) in enumerate(parts):
        if number == _SLUG_PART:
            own_counts = {key: entry[1] for key, entry in words.items()}
        # count raw tokens first (C speed), then look each distinct one up once
        tokens: dict[str, int] = Counter(_WORD.findall(part.lower()))
        if weight == 1.0 and len(tokens) > SINGLETONS_BELOW:
            # A word said once in a long body rarely marks its story, and such words are most
            # of its vocabulary: leaving them out costs 0.005 of precision@5 and saves three
            # quarters of the work and of the index.
            tokens = {token: count for token, count in tokens.items() if count > 1}
        for token, count in tokens.items():
            known = _TERMS.get(token)
            if known is None:
                known = _TERMS[token] = _term_of(token)
            if not known:
                continue
            key, term = known
            entry = words.get(key)
            if entry is None:
                words[key] = [term, count * weight]
            else:
                entry[1] += count * weight
            if weight == TITLE_WEIGHT:
                title_words[key] = (term, 1.0 + math.log(count))
    if len(_TERMS) > 500_000:
        _TERMS.clear()
    # tf = 1 + ln(weighted count); every count is at least 1
    return TermCounts(
        {k: (t, 1.0 + math.log(c)) for k, (t, c) in words.items()},
        title_words,
        {k: 1.0 + math.log(c) for k, c in own_counts.items()} if own_counts is not None else None,
    )


def url_words(url: str) -> str:
    """The words of a link's slug, ``.../2017/12/29/experts-regain-control-of-satellite.html``
    -> ``experts regain control of satellite``: publishers name the story in its address, and
    a page whose text is a portal's boilerplate still says there what it is about (on
    newscluster: +0.007 precision@5). Path segments of three words or more only, so ids,
    dates and section names are left out, and so are numbers and hashes inside a slug."""
    try:
        path = unquote(urlsplit(url).path, errors="replace")  # a Cyrillic slug is words too
    except ValueError:  # "http://[::1": a feed's link is untrusted text
        return ""
    words: list[str] = []
    for segment in path.split("/"):
        parts = [p for p in _SLUG_SEPARATORS.split(_EXTENSION.sub("", segment)) if p]
        parts = [p for p in parts if not p.isdigit() and not _ID_LIKE.search(p)]
        if len(parts) >= 3:
            words += parts
    return " ".join(words[:SLUG_WORDS])


_SLUG_SEPARATORS = re.compile(r"[-_+.]")
_EXTENSION = re.compile(r"\.[A-Za-z]{2,5}$")
_ID_LIKE = re.compile(r"^(?=\w*\d)\w{7,}$")  # a7f3c9e1b2: an id or a hash, not a word

# token -> (key, term), or () for a stop word: the words of news repeat, so most are known
_TERMS: dict[str, tuple[int, str] | tuple[()]] = {}


def _term_of(token: str) -> tuple[int, str] | tuple[()]:
    term = _clean(token)
    return (term_key(term), term) if term else ()


def _clean(token: str) -> str:
    token = token.strip("'’-")
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if len(token) < 2 or token in STOP_WORDS:
        return ""
    return _singular(token)


def _singular(word: str) -> str:
    """An English plural as its singular, by its ending alone: "ballots" -> "ballot",
    "companies" -> "company", "taxes" -> "taxe" (and "tax" stays "tax": the rule is
    consistent, not always right). The same story is told with "missiles" here and "missile"
    there, and a headline has few words to share. Words in "us", "ss" and "is" (status, press,
    crisis) and short ones (gas, bus) stay as they are. The compiled counter applies the same
    rule (``_counting.c``: ``singular_cut``)."""
    if len(word) > 4 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def term_key(term: str) -> int:
    """A stable 63-bit hash (Python's ``hash`` changes from one process to the next)."""
    data = term.encode("utf-8", "surrogatepass")
    return ((zlib.crc32(data) << 31) ^ zlib.adler32(data)) & 0x7FFF_FFFF_FFFF_FFFF


def title_key(term: str) -> int:
    return term_key(_TITLE_PREFIX + term)


@dataclass(frozen=True, slots=True)
class Vector:
    """Weighted terms, strongest first: ``(key, term, weight)``."""

    terms: tuple[tuple[int, str, float], ...]


def inverse_frequencies(df: dict[int, int], docs: int, keys: Iterable[int]) -> dict[int, float]:
    """key -> idf, from document frequencies (``df``, absent: 0) among ``docs`` articles."""
    log_docs = math.log(docs + 1)
    return {key: log_docs - _log_half(df.get(key, 0)) for key in keys}


def weigh(
    counts: TermCounts, idf: dict[int, float], *, limit: int, title_limit: int
) -> tuple[Vector, Vector]:
    """The article's word vector (its ``limit`` strongest terms, normalised over all of them)
    and its headline vector; ``idf`` holds every word of ``counts``."""
    words = [(tf * idf[key], key, term) for key, (term, tf) in counts.words.items()]
    title = [(tf * idf[key], title_key(term), term) for key, (term, tf) in counts.title.items()]
    return _top(words, limit), _top(title, title_limit)


_LOG_HALF = [math.log(n + 0.5) for n in range(4096)]


def _log_half(n: int) -> float:
    return _LOG_HALF[n] if n < 4096 else math.log(n + 0.5)


def _top(weighted: list[tuple[float, int, str]], limit: int) -> Vector:
    norm = math.hypot(*[w for w, _k, _t in weighted]) or 1.0
    weighted.sort(reverse=True)
    return Vector(tuple((key, term, w / norm) for w, key, term in weighted[:limit] if w > 0))


def fingerprint(strongest_keys: Sequence[int]) -> int:
    """Equal for identical and near-identical texts: a hash of their strongest terms."""
    keys = sorted(strongest_keys[:FINGERPRINT_TERMS])
    return term_key(" ".join(map(str, keys)))


_TITLE_SCALE = TITLE_SIMILARITY * WEIGHT_SCALE


def weighed(terms: PackedTerms, idf: dict[int, float]) -> tuple[dict[int, int], list[int]]:
    """What the index keeps of an article: ``key -> weight`` in ``WEIGHT_SCALE`` units (its
    ``DOC_TERMS`` strongest words, strongest first, then its ``TITLE_TERMS`` headline terms,
    each normalised over all) and the keys of its own text's strongest words, for its
    fingerprint (its link's slug left out: two copies of one story under two addresses are
    still the same text). Weighed by ``map`` and ``sorted`` (C loops): this runs once per
    article inside the writer's transaction."""
    keys = terms.word_keys
    idfs = list(map(idf.__getitem__, keys))
    weights = list(map(mul, terms.word_tfs, idfs))
    norm = math.hypot(*weights) or 1.0
    ranked = sorted(zip(weights, keys, strict=True), reverse=True)
    merged = {key: round(w / norm * WEIGHT_SCALE) for w, key in ranked[:DOC_TERMS] if w > 0}
    title = [
        (tf * idf[word], key)
        for word, key, tf in zip(
            terms.title_word_keys, terms.title_keys, terms.title_tfs, strict=True
        )
    ]
    for weight, key in _strongest(title, TITLE_TERMS):
        merged[key] = merged.get(key, 0) + round(weight * _TITLE_SCALE)
    if terms.own_tfs:
        ranked = sorted(zip(map(mul, terms.own_tfs, idfs), keys, strict=True), reverse=True)
    return merged, [key for w, key in ranked[:FINGERPRINT_TERMS] if w > 0]


def index_rows(
    items: Sequence[tuple[int, PackedTerms]], idf: dict[int, float]
) -> tuple[array, list[tuple[int, int, bytes]]]:
    """What a batch of articles adds to the index: its postings ``(generation, key, article,
    weight)`` in key order (each page of the index is then visited once), flat in one int64
    array (:func:`posting_rows` reads them: a batch's postings are many, an object each
    would be most of the memory of indexing), and each article's entry ``(article,
    fingerprint, its keys)``. ``idf`` holds every word of ``items``. By the compiled counter
    when it was built (the same rows, a test checks)."""
    if _counting is None:
        return reference_index_rows(items, idf)
    flat, documents = _counting.index_rows(
        items, idf, DOC_TERMS, TITLE_TERMS, WEIGHT_SCALE, _TITLE_SCALE, FINGERPRINT_TERMS,
        GENERATION_BITS, math.hypot,
    )  # fmt: skip
    postings = array("q")
    postings.frombytes(flat)
    return postings, documents


def posting_rows(postings: array) -> Iterator[tuple[int, int, int, int]]:
    """The ``(generation, key, article, weight)`` rows of :func:`index_rows`' flat array, one
    at a time."""
    values = iter(postings)
    return zip(values, values, values, values, strict=True)


def reference_index_rows(
    items: Sequence[tuple[int, PackedTerms]], idf: dict[int, float]
) -> tuple[array, list[tuple[int, int, bytes]]]:
    """:func:`index_rows` in Python: the reference."""
    postings: list[tuple[int, int, int, int]] = []
    documents: list[tuple[int, int, bytes]] = []
    for article_id, terms in sorted(items, key=itemgetter(0)):
        merged, strongest = weighed(terms, idf)
        generation = article_id >> GENERATION_BITS
        postings += [(generation, key, article_id, w) for key, w in merged.items() if w]
        documents.append((article_id, fingerprint(strongest), array("q", merged).tobytes()))
    # the articles were taken in id order and both sorts are stable: (generation, key, article)
    # order, cheaper than sorting whole tuples
    postings.sort(key=itemgetter(1))
    postings.sort(key=itemgetter(0))
    return array("q", [value for row in postings for value in row]), documents


def _strongest(weighted: list[tuple[float, int]], limit: int) -> list[tuple[float, int]]:
    norm = math.hypot(*[w for w, _k in weighted]) or 1.0
    weighted.sort(reverse=True)
    return [(w / norm, key) for w, key in weighted[:limit] if w > 0]
