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
from dataclasses import dataclass, field

from newsreader.models import Article, ArticleRow
from newsreader.related import terms as ri
from newsreader.store import Store

QUERY_TERMS = 64
CANDIDATES = 100  # best raw scores re-ranked with dates and folded
TIME_SCALE_DAYS = 10.0
SAME_STORY_SCORE = 0.12  # the least score of an entry marked as the same story
# and a same-story mark also needs several words that carry the match, none alone, and dates
# that a story's reports fall within (a word they share by chance makes no story)
SAME_STORY_TERMS = 3  # shared words that each carry at least STRONG_SHARE of the match
STRONG_SHARE = 0.05
ONE_WORD_SHARE = 0.6  # a match more than this much carried by one word is no story
SAME_STORY_DAYS = 7.0
_DAY = 86_400.0


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
    """The stored articles most related to ``article``, best first, copies folded."""
    vector = query_vector(store, article)
    weights = [(key, weight) for key, (_term, weight) in vector.items()]
    rows = store.related_matches(weights, article.id, CANDIDATES)
    if not rows:
        return []
    candidates = {r[0]: _Candidate(r[0], r[1] / ri.WEIGHT_SCALE) for r in rows}
    _load_details(store, candidates)
    own_fingerprint = store.related_fingerprint(article.id)
    for candidate in candidates.values():
        candidate.score = candidate.raw * time_factor(article.published, candidate.published)
    # ties (identical copies score alike) go to the older article: the same list every time
    ranked = _fold(sorted(candidates.values(), key=lambda c: (-c.score, c.article_id)))
    results: list[RelatedArticle] = []
    for candidate in ranked:
        if len(results) == limit:
            break
        same_text = own_fingerprint is not None and own_fingerprint == candidate.fingerprint
        contributions = _shared_terms(store, candidate.article_id, vector)
        if len(contributions) < 2 and not same_text:
            continue  # one word in common, however rare, is noise, not a related story
        row = store.article_row(candidate.article_id)
        if row is None:
            continue
        shared = [term for term, _ in contributions]
        copies = tuple(r for r in map(store.article_row, candidate.copies) if r is not None)
        reason = "same text" if same_text else "shares " + ", ".join(shared[:4])
        results.append(
            RelatedArticle(
                row=row,
                score=round(candidate.score, 4),
                reason=reason,
                shared_terms=tuple(shared),
                copies=copies,
                same_story=same_text or _same_story(candidate, contributions, article.published),
            )
        )
    return results


def _same_story(
    candidate: _Candidate, contributions: list[tuple[str, float]], published: float | None
) -> bool:
    """Scored as the same event: a high score, carried by several words and not by one, and
    published within days of each other (when both dates are known)."""
    if candidate.score < SAME_STORY_SCORE:
        return False
    apart = (
        abs(published - candidate.published)
        if published is not None and candidate.published is not None
        else 0.0
    )
    if apart > SAME_STORY_DAYS * _DAY:
        return False
    total = sum(share for _, share in contributions) or 1.0
    strong = [share for _, share in contributions if share >= STRONG_SHARE * total]
    return len(strong) >= SAME_STORY_TERMS and contributions[0][1] <= ONE_WORD_SHARE * total


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
        _, candidates[article_id].published, candidates[article_id].fingerprint = found[article_id]


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
