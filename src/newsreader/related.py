"""Related articles: stored articles about the same story, ranked by content.

A first engine: the article's most distinctive terms (title weighted up), OR-ed into one FTS5
query ranked by BM25 ("more like this"). Publisher-declared related links are kept apart, on the
article itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from newsreader.models import Article, ArticleRow
from newsreader.store import Store

_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}", re.UNICODE)
_STOP = frozenset(
    """about above after again against also among another any are around because been before
    being below between both but can could did does doing down during each even ever every few
    for from further had has have having her here hers him his how however into its itself just
    like made make many may more most much must near new not now off once one only other our out
    over own said same say says she should since some still such than that the their them then
    there these they this those through too under until upon very was way were what when where
    which while who whom why will with within without would year years you your yet told last
    first two three week day days time people according""".split()
)


@dataclass(frozen=True, slots=True)
class RelatedArticle:
    row: ArticleRow
    score: float
    reason: str


def key_terms(article: Article, limit: int = 12, store: Store | None = None) -> list[str]:
    counts: Counter[str] = Counter()
    for word in _WORD.findall(article.title):
        if word.lower() not in _STOP:
            counts[word.lower()] += 3
    for word in _WORD.findall(article.text[:20_000]):
        if word.lower() not in _STOP:
            counts[word.lower()] += 1
    candidates = [w for w, _ in counts.most_common(limit * 4)]
    if store is None or not candidates:
        return candidates[:limit]
    total = max(1, store.db.execute("SELECT count(*) FROM articles").fetchone()[0])
    scored = []
    for word in candidates:
        df = _document_frequency(store, word)
        idf = math.log((total + 1) / (df + 1)) + 1
        scored.append((counts[word] * idf, word))
    scored.sort(reverse=True)
    return [w for _, w in scored[:limit]]


def _document_frequency(store: Store, word: str) -> int:
    try:
        return store.db.execute(
            "SELECT count(*) FROM"
            " (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 5000)",
            ('"' + word.replace('"', "") + '"',),
        ).fetchone()[0]
    except Exception:
        return 0


def related_articles(store: Store, article: Article, limit: int = 10) -> list[RelatedArticle]:
    terms = key_terms(article, store=store)
    if not terms:
        return []
    query = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
    rows = store.db.execute(
        """SELECT rowid, bm25(articles_fts, 4.0, 1.0) FROM articles_fts
           WHERE articles_fts MATCH ? AND rowid != ? ORDER BY bm25(articles_fts, 4.0, 1.0)
           LIMIT ?""",
        (query, article.id, limit * 3),
    ).fetchall()
    out: list[RelatedArticle] = []
    seen_titles: set[str] = set()
    for rowid, rank in rows:
        row = store.article_row(rowid)
        if row is None or row.title.lower() in seen_titles:
            continue
        seen_titles.add(row.title.lower())
        shared = [t for t in terms if t in row.title.lower()][:3]
        reason = "shares " + ", ".join(shared) if shared else "similar wording"
        out.append(RelatedArticle(row, round(-rank, 3), reason))
        if len(out) >= limit:
            break
    return out
