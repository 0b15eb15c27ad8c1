"""The full-text index's tables: FTS5 over ``search_docs``, the title and the first
``INDEX_CHARS`` of the text of each article as they were indexed. Written inside the caller's
transaction, which holds the search file's lock (:meth:`Connection.write_search`, or
:meth:`Connection.write` on a connection with the indexes' files)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from newsreader.store.postings import rows_in, select_in
from newsreader.store.schema import INDEX_CHARS


def unindex(db: sqlite3.Connection, article_ids: Iterable[int]) -> None:
    """Take articles out of the index, with the values they were indexed with (those not in
    it are left alone)."""
    sql = "SELECT id, title, text FROM search_docs WHERE id IN ({})"
    rows = select_in(db, sql, article_ids)
    if not rows:
        return
    db.executemany(
        "INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
        rows,
    )
    db.executemany("DELETE FROM search_docs WHERE id = ?", [(row[0],) for row in rows])


def index(db: sqlite3.Connection, items: Sequence[tuple[int, str, str]]) -> None:
    """Enter ``(id, title, text)`` articles, in place of what the index held of them."""
    unindex(db, [item[0] for item in items])
    rows = [(i, title, text[:INDEX_CHARS]) for i, title, text in sorted(items)]
    db.executemany("INSERT INTO search_docs (id, title, text) VALUES (?, ?, ?)", rows)
    db.executemany("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)", rows)


def gone(db: sqlite3.Connection) -> list[int]:
    """The deleted articles waiting to leave the index."""
    return [row[0] for row in db.execute("SELECT article_id FROM search_gone")]


def remove_gone(db: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Inside a transaction of the search file: take out the articles of ``ids`` (read from
    :func:`gone`) that are not stored again (an id a new article took keeps its entry, which
    that article's indexing replaces)."""
    sql = "SELECT id FROM articles WHERE id IN ({})"
    present = {row[0] for row in rows_in(db, sql, ids)}
    unindex(db, [i for i in ids if i not in present])


def take_out_gone(db: sqlite3.Connection) -> None:
    """Inside a transaction that holds the articles file's lock and the search file's: take
    the articles deleted since out of the index and off the queue (the full-text pass does
    the same in two transactions, :meth:`Indexing._index_text`)."""
    ids = gone(db)
    remove_gone(db, ids)
    db.executemany("DELETE FROM search_gone WHERE article_id = ?", [(i,) for i in ids])
