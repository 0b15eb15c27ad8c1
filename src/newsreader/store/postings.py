"""The related-articles index's tables: postings by generation, document frequencies, each
article's entry. Written inside the caller's transaction; read by :class:`RelatedReads`, the
store's side of :mod:`newsreader.related.rank`."""

from __future__ import annotations

import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from newsreader.related import terms as ri
from newsreader.store.connection import Connection

LEAD_CHARS = 400  # of an article's text that says what the story is (related.rank.lead)


def generations(db: sqlite3.Connection) -> list[int]:
    """The generations that may hold postings (all, up to the newest article's)."""
    newest = db.execute("SELECT max(article_id) FROM related_docs").fetchone()[0]
    return list(range((newest >> ri.GENERATION_BITS) + 1)) if newest is not None else []


def docs_count(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT docs FROM related_stats WHERE id = 1").fetchone()
    return row[0] if row else 0


def select_in(db: sqlite3.Connection, sql: str, values: Iterable[int]) -> list[tuple]:
    """Rows of ``sql`` (one ``IN ({})`` placeholder) for ``values``, 900 per statement."""
    return list(rows_in(db, sql, values))


def rows_in(db: sqlite3.Connection, sql: str, values: Iterable[int]) -> Iterator[tuple]:
    """:func:`select_in` one row at a time (a large batch's rows are not all held at once).

    Each statement's list is padded with its last value to a power of two (or 900): the
    connection keeps each SQL text it compiled, and one text for every count of values kept
    a hundred statements of hundreds of parameters each in an index job's memory."""
    wanted = list(set(values))
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        size = min(1 << (len(chunk) - 1).bit_length(), 900)
        chunk += chunk[-1:] * (size - len(chunk))
        yield from db.execute(sql.format(",".join("?" * size)), chunk)


def document_frequencies(db: sqlite3.Connection, keys: Iterable[int]) -> dict[int, int]:
    return dict(rows_in(db, "SELECT term, df FROM related_df WHERE term IN ({})", keys))


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch's index rows worked out from the index as it was read: still right to write
    while the same articles are indexed and as many documents counted (document frequencies
    only grow with that count)."""

    ids: frozenset[int]
    known: frozenset[int]  # of ids, already indexed: re-indexed in place, not counted again
    docs: int
    frequency: Counter[int]  # documents of the batch's new articles each word is in
    postings: array
    documents: list[tuple[int, int, bytes]]


def prepare_batch(
    db: sqlite3.Connection, items: Sequence[tuple[int, ri.PackedTerms]]
) -> PreparedBatch:
    """The rows :func:`write_batch` writes for ``(article id, terms)`` pairs, read in one
    snapshot; outside the write lock, so that the other writers wait only for the writes."""
    ids = [article_id for article_id, _ in items]
    began = not db.in_transaction
    if began:
        db.execute("BEGIN")
    try:
        known = _indexed(db, ids)
        docs = docs_count(db)
        frequency: Counter[int] = Counter()
        for article_id, terms in items:
            if article_id not in known:
                frequency.update(terms.word_keys)
        idf = _inverse_frequencies(db, items, frequency, docs + len(set(ids) - known))
    finally:
        if began:
            db.execute("COMMIT")
    postings, documents = ri.index_rows(items, idf)
    return PreparedBatch(frozenset(ids), known, docs, frequency, postings, documents)


def _inverse_frequencies(
    db: sqlite3.Connection,
    items: Sequence[tuple[int, ri.PackedTerms]],
    frequency: Counter[int],
    docs: int,
) -> dict[int, float]:
    """The idf of each word of the batch, its new articles counted among ``docs``: one per
    distinct word, not one per word of each article. (A function of its own: the document
    frequencies of a large batch are freed before its postings are made.)"""
    words_of_batch = {key for _, terms in items for key in terms.word_keys}
    df = document_frequencies(db, words_of_batch)
    for key, count in frequency.items():
        df[key] = df.get(key, 0) + count
    return ri.inverse_frequencies(df, docs, words_of_batch)


def write_batch(db: sqlite3.Connection, batch: PreparedBatch) -> bool:
    """Write a prepared batch inside the caller's write transaction; False (nothing written)
    when the index changed since it was prepared."""
    if _indexed(db, batch.ids) != batch.known or docs_count(db) != batch.docs:
        return False
    remove_articles(db, list(batch.known))
    _add_document_counts(db, batch.frequency)
    if len(batch.ids) > len(batch.known):
        db.execute(
            "UPDATE related_stats SET docs = docs + ? WHERE id = 1",
            (len(batch.ids) - len(batch.known),),
        )
    _insert_postings(db, batch.postings)
    db.executemany(
        "INSERT OR REPLACE INTO related_docs (article_id, fingerprint, terms) VALUES (?, ?, ?)",
        batch.documents,
    )
    return True


def index_articles(db: sqlite3.Connection, items: Sequence[tuple[int, ri.PackedTerms]]) -> None:
    """Index ``(article id, terms)`` pairs inside the caller's write transaction. An article
    seen for the first time counts towards document frequencies; one already indexed is
    re-indexed in place."""
    if items:
        write_batch(db, prepare_batch(db, items))


def _indexed(db: sqlite3.Connection, ids: Iterable[int]) -> frozenset[int]:
    sql = "SELECT article_id FROM related_docs WHERE article_id IN ({})"
    return frozenset(row[0] for row in select_in(db, sql, ids))


def _add_document_counts(db: sqlite3.Connection, frequency: Counter[int]) -> None:
    """Add to the document frequencies (one upsert per 400 terms)."""
    pairs = list(frequency.items())
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        values = ",".join("(?, ?)" for _ in chunk)
        db.execute(
            f"""INSERT INTO related_df (term, df) VALUES {values}
                ON CONFLICT (term) DO UPDATE SET df = df + excluded.df""",
            [v for pair in chunk for v in pair],
        )


_INSERT_POSTINGS = (
    "INSERT OR REPLACE INTO related_postings (generation, term, article_id, weight) VALUES "
)
POSTINGS_PER_STATEMENT = 200  # rows one INSERT writes (800 values, SQLite's limit is 32,766)


def _insert_postings(db: sqlite3.Connection, postings: array) -> None:
    """Write the rows of :func:`ri.index_rows`' flat array: ``POSTINGS_PER_STATEMENT`` rows a
    statement, as one row a statement spends most of its time binding and stepping each row
    (a batch's postings are its largest write, inside the write lock); the remainder one row
    a statement, so that the connection compiles two statement shapes, not one per size."""
    values_per_statement = POSTINGS_PER_STATEMENT * 4
    whole = len(postings) // values_per_statement * values_per_statement
    if whole:
        many = _INSERT_POSTINGS + ",".join(["(?, ?, ?, ?)"] * POSTINGS_PER_STATEMENT)
        db.executemany(
            many,
            (
                postings[start : start + values_per_statement].tolist()
                for start in range(0, whole, values_per_statement)
            ),
        )
    db.executemany(_INSERT_POSTINGS + "(?, ?, ?, ?)", ri.posting_rows(postings[whole:]))


def remove_articles(db: sqlite3.Connection, article_ids: Sequence[int]) -> None:
    """Take articles out of the index (their postings and their entry)."""
    sql = "SELECT article_id, terms FROM related_docs WHERE article_id IN ({})"
    rows = select_in(db, sql, article_ids)
    keys = sorted(
        (article_id >> ri.GENERATION_BITS, key, article_id)
        for article_id, blob in rows
        for key in array("q", blob)
    )
    db.executemany(
        "DELETE FROM related_postings WHERE generation = ? AND term = ? AND article_id = ?", keys
    )
    db.executemany("DELETE FROM related_docs WHERE article_id = ?", [(r[0],) for r in rows])


def remove_gone(db: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Inside a transaction of the related file: take out the deleted articles of ``ids``
    (read from ``related_gone``). An id a new article took again stays: its entry is replaced
    when that article is indexed."""
    sql = "SELECT id FROM articles WHERE id IN ({})"
    present = {row[0] for row in rows_in(db, sql, ids)}
    remove_articles(db, [i for i in ids if i not in present])


def take_out_gone(db: sqlite3.Connection) -> None:
    """Inside a transaction that holds the articles file's lock and the related file's: take
    the articles deleted since out of the index and off the queue."""
    gone = [row[0] for row in db.execute("SELECT article_id FROM related_gone")]
    remove_gone(db, gone)
    db.executemany("DELETE FROM related_gone WHERE article_id = ?", [(i,) for i in gone])


def sweep_gone(store: Connection) -> None:
    """:func:`take_out_gone` in two transactions: the related file's, then a short one of the
    articles file (the index job's way: a refresh's workers write articles meanwhile)."""
    gone = [row[0] for row in store.db.execute("SELECT article_id FROM related_gone")]
    if not gone:
        return
    with store.write_related():
        remove_gone(store.db, gone)
    with store.write():
        store.db.executemany("DELETE FROM related_gone WHERE article_id = ?", [(i,) for i in gone])


class RelatedReads(Connection):
    """What :func:`newsreader.related.rank.related_articles` reads of the index."""

    def related_generations(self) -> list[int]:
        return generations(self.related_db)

    def related_frequencies(self, keys: Iterable[int]) -> tuple[dict[int, int], int]:
        """The document frequencies of ``keys``, and how many documents are indexed."""
        return document_frequencies(self.related_db, keys), docs_count(self.db)

    def related_matches(
        self, weights: Sequence[tuple[int, float]], exclude: int, limit: int
    ) -> list[tuple[int, float]]:
        """The ``limit`` articles whose postings best match ``(term, weight)`` pairs, with
        their summed scores (``ri.WEIGHT_SCALE`` times the cosine), best first."""
        found = generations(self.related_db)
        if not weights or not found:
            return []
        values = ",".join("(?, ?)" for _ in weights)
        params = [v for pair in weights for v in pair]
        # CROSS JOIN fixes the order: one index seek per (generation, term); left to itself the
        # planner scanned each generation's postings whole
        return self.related_db.execute(
            f"""WITH q (term, weight) AS (VALUES {values}),
                     g (generation) AS (VALUES {",".join("(?)" for _ in found)})
                SELECT p.article_id, sum(q.weight * p.weight) AS s
                FROM g CROSS JOIN q CROSS JOIN related_postings p
                WHERE p.generation = g.generation AND p.term = q.term AND p.article_id != ?
                GROUP BY p.article_id ORDER BY s DESC, p.article_id LIMIT ?""",
            (*params, *found, exclude, limit),
        ).fetchall()

    def related_fingerprint(self, article_id: int) -> int | None:
        row = self.related_db.execute(
            "SELECT fingerprint FROM related_docs WHERE article_id = ?", (article_id,)
        ).fetchone()
        return row[0] if row else None

    def related_details(
        self, article_ids: Sequence[int]
    ) -> list[tuple[int, float | None, int, str, str]]:
        """``(id, published, fingerprint, title, lead)`` of the stored articles among
        ``article_ids`` (the lead: the summary and the text's start, as
        ``related.rank.lead``); a posting left behind by an article deleted without the index
        is never returned."""
        sql = (
            "SELECT a.id, a.published, coalesce(d.fingerprint, 0), a.title,"
            f" a.summary || ' ' || substr(a.text, 1, {LEAD_CHARS})"
            " FROM articles a LEFT JOIN related_docs d ON d.article_id = a.id WHERE a.id IN ({})"
        )
        return select_in(self.related_db, sql, article_ids)

    def shared_postings(self, article_id: int, keys: Sequence[int]) -> list[tuple[int, int]]:
        """The ``(term, weight)`` postings of one article among ``keys``."""
        marks = ",".join("?" * len(keys))
        return self.related_db.execute(
            "SELECT term, weight FROM related_postings"
            f" WHERE generation = ? AND article_id = ? AND term IN ({marks})",
            (article_id >> ri.GENERATION_BITS, article_id, *keys),
        ).fetchall()
