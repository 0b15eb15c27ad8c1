"""Related articles: stored articles about the same story, ranked by content and time.

The score of a stored article for the open one is the dot product of their term vectors (the
open article's ``QUERY_TERMS`` strongest words, weighed with today's document frequencies,
against each stored article's indexed terms; see :mod:`newsreader.related.terms`), plus a fifth
of their headlines' likeness, times a time factor: one for articles published the same day,
falling to one half for articles far apart (a story is reported within days, but extracted dates
are often wrong, so time only tips the balance). Identical and near-identical texts (syndicated
copies, one article in two feeds) are folded into one entry that names the other feeds.

Scored on ../shared/corpus/labeled (bench/eval_related.py). Publisher-declared related links
stay on the article itself (``Article.related_links``) and are shown as their own group.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from newsreader.models import Article, ArticleRow
from newsreader.related import terms as ri
from newsreader.store import Store, postings

QUERY_TERMS = 64
CANDIDATES = 100  # best raw scores re-ranked with dates and folded
TIME_SCALE_DAYS = 10.0
# The same story: intercept and weights of (score, ln(1 + days apart), share of the leads'
# names in common, headline names in common); marked from a likelihood of 4 in 5
SAME_STORY_MODEL = (-4.082, 29.541, -0.135, 3.339, 0.719)
SAME_STORY_LOGIT = math.log(4.0)
SAME_STORY_DAYS = 60.0
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+|\b[A-Z]{2,}\b")
_DAY = 86_400.0
SAME_STORY_LOOKS = 3  # candidates looked at closely: this many times the entries wanted
MIN_SHARED = 2  # words an entry shares with the article, at least
SHORT_QUERY = 20  # an article of this many words or fewer needs one in common


@dataclass(frozen=True, slots=True)
class RelatedArticle:
    row: ArticleRow
    score: float
    reason: str
    shared_terms: tuple[str, ...] = ()
    copies: tuple[ArticleRow, ...] = ()  # near-identical copies folded into this entry
    same_story: bool = False

    @property
    def also_in(self) -> tuple[str, ...]:
        """The feeds holding a folded copy, each once."""
        return tuple(dict.fromkeys(row.feed_title for row in self.copies))

    @property
    def also_ids(self) -> tuple[int, ...]:
        return tuple(row.id for row in self.copies)


@dataclass(slots=True)
class _Candidate:
    article_id: int
    raw: float
    published: float | None = None
    fingerprint: int = 0
    score: float = 0.0
    copies: list[int] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # of its lead
    headline_names: set[str] = field(default_factory=set)


def query_vector(store: Store, article: Article) -> dict[int, tuple[str, float]]:
    """key → (term, weight) for the article's strongest words and its headline words."""
    counts = ri.count_terms(article.title, article.summary, article.text, article.url)
    df, docs = store.related_frequencies(counts.words.keys())
    idf = ri.inverse_frequencies(df, max(docs, 1), counts.words)
    words, title = ri.weigh(counts, idf, limit=QUERY_TERMS, title_limit=ri.TITLE_TERMS)
    vector = {key: (term, weight) for key, term, weight in words.terms}
    vector.update({key: (term, weight) for key, term, weight in title.terms})
    return vector


def related_articles(store: Store, article: Article, limit: int = 10) -> list[RelatedArticle]:
    """The stored articles most related to ``article``, best first, copies folded: those
    about the same story first."""
    vector = query_vector(store, article)
    weights = [(key, weight) for key, (_term, weight) in vector.items()]
    rows = store.related_matches(weights, article.id, CANDIDATES)
    if not rows:
        return []
    candidates = {r[0]: _Candidate(r[0], r[1] / ri.WEIGHT_SCALE) for r in rows}
    _load_details(store, candidates)
    own_fingerprint = store.related_fingerprint(article.id)
    # a headline alone (a link aggregator's item) shares one word with its story, often
    least_shared = 1 if len(vector) <= SHORT_QUERY else MIN_SHARED
    names = entities(lead(article.title, article.summary, article.text))
    headline = entities(article.title)
    for candidate in candidates.values():
        candidate.score = candidate.raw * time_factor(article.published, candidate.published)
    # ties (identical copies score alike) go to the older article: the same list every time
    ranked = _fold(sorted(candidates.values(), key=lambda c: (-c.score, c.article_id)))
    entries: list[tuple[_Candidate, RelatedArticle]] = []
    for candidate in ranked:
        if len(entries) == SAME_STORY_LOOKS * limit:
            break
        same_text = own_fingerprint is not None and own_fingerprint == candidate.fingerprint
        contributions = _shared_terms(store, candidate.article_id, vector)
        if len(contributions) < least_shared and not same_text:
            continue  # one word in common, however rare, is noise, not a related story
        row = store.article_row(candidate.article_id)
        if row is None:
            continue
        shared = [term for term, _ in contributions]
        copies = tuple(r for r in map(store.article_row, candidate.copies) if r is not None)
        reason = "same text" if same_text else "shares " + ", ".join(shared[:4])
        entry = RelatedArticle(
            row=row,
            score=round(candidate.score, 4),
            reason=reason,
            shared_terms=tuple(shared),
            copies=copies,
            same_story=same_text or _same_story(candidate, article.published, names, headline),
        )
        entries.append((candidate, entry))

    def rank(pair: tuple[_Candidate, RelatedArticle]) -> tuple[bool, float]:
        return not pair[1].same_story, -pair[0].score

    entries.sort(key=rank)
    return [entry for _candidate, entry in entries[:limit]]


def entities(text: str) -> set[str]:
    """The names a text says (capitalised words and acronyms, lower-cased), for telling one
    event from another of the same words: "North Korea launches a satellite" is not "North
    Korea fires a missile over Japan"."""
    found = set()
    for match in _NAME.finditer(text):
        word = match.group(0).strip("'’-").lower()
        if len(word) > 1 and word not in ri.STOP_WORDS:
            found.add(word)
    return found


def lead(title: str, summary: str, text: str) -> str:
    """What says what the story is: the headline, the summary and the text's start."""
    return f"{title} {summary} {text[: postings.LEAD_CHARS]}"


def _same_story(
    candidate: _Candidate, published: float | None, names: set[str], headline_names: set[str]
) -> bool:
    """Scored as the same event by a logistic model of four signals: the score, how far apart
    the two were published, how many of their lead's names they share, and the headline
    names they share (fitted on newscluster's events, checked on BASIL's stories)."""
    if published is not None and candidate.published is not None:
        apart_days = abs(published - candidate.published) / _DAY
        if apart_days > SAME_STORY_DAYS:  # a story's reports, follow-ups included
            return False
        days = math.log1p(apart_days)
    else:
        days = 1.0
    shared = names & candidate.names
    overlap = len(shared) / max(len(names | candidate.names), 1)
    intercept, score, apart, named, headline = SAME_STORY_MODEL
    logit = (
        intercept
        + score * candidate.score
        + apart * days
        + named * overlap
        + headline * len(headline_names & candidate.headline_names)
    )
    return logit >= SAME_STORY_LOGIT


def also_reported_by(results: list[RelatedArticle], own_feed: str = "") -> list[str]:
    """Feeds that carry the same story, for the reading pane's "Also reported by" line."""
    feeds: dict[str, None] = {}
    for item in results:
        if item.same_story:
            for name in (item.row.feed_title, *item.also_in):
                if name != own_feed:
                    feeds[name] = None
    return list(feeds)


def time_factor(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.75
    days = abs(a - b) / _DAY
    return 0.5 + 0.5 * math.exp(-days / TIME_SCALE_DAYS)


def _load_details(store: Store, candidates: dict[int, _Candidate]) -> None:
    found = {row[0]: row for row in store.related_details(list(candidates))}
    for article_id in list(candidates):
        if article_id not in found:  # a posting left behind by a deleted article
            del candidates[article_id]
            continue
        candidate = candidates[article_id]
        _, candidate.published, candidate.fingerprint, title, start = found[article_id]
        candidate.names = entities(f"{title} {start}")
        candidate.headline_names = entities(title)


def _fold(ranked: list[_Candidate]) -> list[_Candidate]:
    """Near-identical copies (same fingerprint) fold into the best-scored one."""
    kept: list[_Candidate] = []
    by_fingerprint: dict[int, _Candidate] = {}
    for candidate in ranked:
        first = by_fingerprint.get(candidate.fingerprint) if candidate.fingerprint else None
        if first is not None:
            first.copies.append(candidate.article_id)
            continue
        by_fingerprint[candidate.fingerprint] = candidate
        kept.append(candidate)
    return kept


def _shared_terms(
    store: Store, article_id: int, vector: dict[int, tuple[str, float]]
) -> list[tuple[str, float]]:
    """The words the stored article shares with the query, with what each adds to the
    match, largest first."""
    rows = store.shared_postings(article_id, list(vector))
    contributions: dict[str, float] = {}
    for key, weight in rows:
        term, query_weight = vector[key]
        contributions[term] = contributions.get(term, 0.0) + weight * query_weight
    return sorted(contributions.items(), key=lambda kv: -kv[1])
