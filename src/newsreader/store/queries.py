"""Reading the store: pages of a view by keyset (never OFFSET over rows, never all rows),
positions and counts, search, one article."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from newsreader.models import (
    ALL_ARTICLES,
    UNREAD,
    Article,
    ArticleRow,
    Page,
    SearchQueryError,
    ViewFilter,
)
from newsreader.store import codec
from newsreader.store.connection import Connection
from newsreader.store.indexing import STORED_TEXT_CHARS
from newsreader.text.sanitize import clean_line
from newsreader.text.searchquery import as_words, to_fts

SUMMARY_CHARS = 300  # a summary derived from the text when the source gave none

SEARCH_WINDOW = 2_000  # matches ranked per search, newest first


DENSE_MATCHES = 5_000  # a saved search's words in more articles than this: walk by date
PROBED_ROWS = 300  # a dense view's other conditions select at most this: look each one up


def view_where(view: ViewFilter, dense: bool = False) -> tuple[list[str], list[Any]]:
    """The conditions on ``articles a`` that select the view's rows, with their parameters.
    ``dense``: the view's words are in many articles; a page then checks rows newest first
    (the first page is found within a few rows) instead of gathering every match first."""
    where: list[str] = []
    params: list[Any] = []
    if view.feed_id is not None:
        where.append("a.feed_id = ?")
        params.append(view.feed_id)
    if view.unread_only:
        where.append("a.read = 0")
    if view.tag is not None:
        where.append(
            "(a.feed_id IN (SELECT f2.id FROM feeds f2, json_each(f2.tags) t WHERE t.value = ?)"
            " OR a.id IN (SELECT article_id FROM article_tags WHERE tag = ?))"
        )
        params += [view.tag, view.tag]
    if view.match is not None and dense:
        where.append(
            "EXISTS (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = a.id)"
        )
        params.append(view.match)
    elif view.match is not None:
        where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(view.match)
    if view.author is not None:
        where.append("a.authors LIKE ? ESCAPE '\\'")
        escaped = view.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if view.after is not None:
        where.append("a.sort_key >= ?")
        params.append(view.after)
    if view.before is not None:
        where.append("a.sort_key < ?")
        params.append(view.before)
    return where, params


class Queries(Connection):
    def _for(self, view: ViewFilter) -> None:
        """A view with words reads the full-text index: its file is attached first."""
        if view.match is not None:
            self.search_db  # noqa: B018 (attaches it)

    def page(
        self,
        *,
        after: tuple[float, int] | None = None,
        limit: int = 50,
        view: ViewFilter = ALL_ARTICLES,
    ) -> Page:
        """One page of the newest-first list, starting after the cursor ``(sort_key, id)``."""
        rows = self.rows_at(0, limit + 1, view, after=after)
        items = tuple(rows[:limit])
        cursor = (items[-1].sort_key, items[-1].id) if len(rows) > limit and items else None
        return Page(items, cursor)

    def rows_at(
        self,
        offset: int,
        limit: int,
        view: ViewFilter = ALL_ARTICLES,
        *,
        after: tuple[float, int] | None = None,
    ) -> list[ArticleRow]:
        """Rows by position in the newest-first list: from the cursor ``after`` when the caller
        has the row before (scrolling), else by ``offset`` over the index (a jump)."""
        self._for(view)
        where, params = view_where(view, dense=self._dense(view))
        if after is not None:
            where.append("(a.sort_key, a.id) < (?, ?)")
            params.extend(after)
            offset = 0
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self.db.execute(
            f"""SELECT {codec.ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id {clause}
                ORDER BY a.sort_key DESC, a.id DESC LIMIT ? OFFSET ?""",
            (*params, limit, offset),
        ).fetchall()
        return [codec.list_row(r) for r in rows]

    def _dense(self, view: ViewFilter) -> bool:
        """Whether the view's words are in more than :data:`DENSE_MATCHES` articles (FTS5
        stops counting there)."""
        if view.match is None:
            return False
        found = self.db.execute(
            "SELECT count(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
            " LIMIT ?)",
            (view.match, DENSE_MATCHES),
        ).fetchone()[0]
        return bool(found >= DENSE_MATCHES)

    def position_of(
        self,
        sort_key: float,
        article_id: int,
        view: ViewFilter = ALL_ARTICLES,
    ) -> int:
        """How many rows of the view come before this one (its index in the list)."""
        self._for(view)
        where, params = view_where(view)
        where.append("(a.sort_key, a.id) > (?, ?)")
        params.extend((sort_key, article_id))
        return self.db.execute(
            f"SELECT count(*) FROM articles a WHERE {' AND '.join(where)}", params
        ).fetchone()[0]

    def count(self, view: ViewFilter = ALL_ARTICLES) -> int:
        self._for(view)
        if view.match is not None and self._dense(view):
            return self._dense_count(view)
        return self._count(view)

    def _count(self, view: ViewFilter, *, dense: bool = False, source: str = "articles a") -> int:
        where, params = view_where(view, dense)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self.db.execute(f"SELECT count(*) FROM {source} {clause}", params).fetchone()[0]

    def _dense_count(self, view: ViewFilter) -> int:
        """A view whose words are in many articles, counted from its smaller side: the rows
        its other conditions select, when they are few, each looked up in the full-text
        index; the matches alone when there is no other condition; the matches less the
        read ones when almost everything is unread; the unread rows, checked against the
        matches, when fewer are unread than read."""
        assert view.match is not None
        others = replace(view, match=None)
        rows = self._count(others)
        if rows <= PROBED_ROWS:
            return self._count(view, dense=True) if rows else 0
        if others == ALL_ARTICLES:
            return self.db.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (view.match,)
            ).fetchone()[0]
        if others == UNREAD:
            read = self._count(ALL_ARTICLES) - rows
            if read <= PROBED_ROWS:
                read_matches = self.db.execute(
                    "SELECT count(*) FROM articles a WHERE a.read = 1 AND EXISTS (SELECT 1"
                    " FROM articles_fts WHERE articles_fts MATCH ? AND rowid = a.id)",
                    (view.match,),
                ).fetchone()[0]
                return self._dense_count(replace(view, unread_only=False)) - read_matches
            return self._count(view, source="articles a INDEXED BY articles_unread")
        return self._count(view)

    def next_unread(
        self,
        sort_key: float,
        article_id: int,
        *,
        forward: bool = True,
        view: ViewFilter = ALL_ARTICLES,
    ) -> tuple[int, ArticleRow] | None:
        """The next (older) or previous (newer) unread row of the view, with its position in
        the view (which may list unread rows only)."""
        self._for(view)
        where, params = view_where(replace(view, unread_only=True))
        op, order = ("<", "DESC") if forward else (">", "ASC")
        where.append(f"(a.sort_key, a.id) {op} (?, ?)")
        params.extend((sort_key, article_id))
        row = self.db.execute(
            f"""SELECT {codec.ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE {" AND ".join(where)}
                ORDER BY a.sort_key {order}, a.id {order} LIMIT 1""",
            params,
        ).fetchone()
        if row is None:
            return None
        found = codec.list_row(row)
        position = self.position_of(found.sort_key, found.id, view)
        return position, found

    def ids_by_url(self, urls: Sequence[str]) -> dict[str, int]:
        """Stored article ids for these URLs (bookmarks point at articles by URL)."""
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(u for u in urls if u))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for article_id, url in self.db.execute(
                f"SELECT id, url FROM articles WHERE url IN ({marks})", chunk
            ):
                found.setdefault(url, article_id)
        return found

    def tags(self) -> list[str]:
        return sorted(
            {t for (t,) in self.db.execute("SELECT t.value FROM feeds, json_each(feeds.tags) t")}
            | {t for (t,) in self.db.execute("SELECT DISTINCT tag FROM article_tags")}
        )

    def search(self, query: str, limit: int = 50) -> list[ArticleRow]:
        """Plain words as typed, FTS5 syntax where the user wrote it (:mod:`.searchquery`);
        a query whose syntax FTS5 refuses is searched for its words."""
        query = query.strip()
        if not query:
            raise SearchQueryError("empty search query")
        error: sqlite3.OperationalError | None = None
        for fts in dict.fromkeys((to_fts(query), as_words(query))):
            if not fts:
                continue
            try:
                return self._search(fts, limit)
            except sqlite3.OperationalError as exc:
                error = exc
        raise SearchQueryError(
            f"cannot search for {clean_line(query)!r}"
            + (f" ({clean_line(str(error))})" if error else ": it has no words")
        )

    def _search(self, fts: str, limit: int) -> list[ArticleRow]:
        # BM25 over the newest SEARCH_WINDOW matches only: a word found in every article
        # then costs what a rare one does, instead of ranking 100,000 rows
        rows = self.search_db.execute(
            f"""SELECT {codec.ROW_COLUMNS} FROM (
                    SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?
                    ORDER BY rowid DESC LIMIT ?) AS hit
                JOIN articles a ON a.id = hit.rowid
                JOIN feeds f ON f.id = a.feed_id
                ORDER BY hit.rank LIMIT ?""",
            (fts, SEARCH_WINDOW, limit),
        ).fetchall()
        return [codec.list_row(r) for r in rows]

    def article(self, article_id: int) -> Article | None:
        row = self.db.execute(
            """SELECT id, feed_id, guid, url, title, authors, published, updated, summary, body,
                   body_format, text, extra, read, fetched_at FROM articles WHERE id = ?""",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        text = row[11]
        if row[10] == "html" and (not text or len(text) >= STORED_TEXT_CHARS):
            # not indexed yet, or only the start the indexes read was kept: from the body
            from newsreader.text.htmldoc import quick_text

            text = quick_text(row[9])
        if row[8]:
            summary = row[8]
        else:
            from newsreader.feeds.normalize import title_from_text  # lxml: only when needed

            summary = title_from_text(text, SUMMARY_CHARS)
        extra = codec.extra_from_json(row[12])
        return Article(
            id=row[0], feed_id=row[1], guid=row[2], url=row[3], title=row[4],
            authors=tuple(a for a in row[5].split("\n") if a), published=row[6], updated=row[7],
            summary=summary, body=row[9], body_format=row[10], text=text, read=bool(row[13]),
            fetched_at=row[14], **extra,
        )  # fmt: skip

    def article_row(self, article_id: int) -> ArticleRow | None:
        row = self.db.execute(
            f"SELECT {codec.ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id"
            " WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        return codec.list_row(row) if row else None

    def change_marker(self) -> tuple[int, float, int]:
        """What tells that another process (a cron refresh, a second reader) changed the store:
        the newest article id, the latest fetch time and the unread count, all from indexes."""
        newest, fetched = self.db.execute(
            "SELECT (SELECT max(id) FROM articles), (SELECT max(last_fetched) FROM feeds)"
        ).fetchone()
        return newest or 0, fetched or 0.0, self.count(UNREAD)

    def counts(self) -> tuple[int, int]:
        """(articles, unread) in the whole store."""
        return self.count(), self.count(UNREAD)
