import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from newsreader.models import UNREAD, Article, ParsedFeed, SearchQueryError, StoreError, ViewFilter
from newsreader.store import Store


def make(n: int, prefix: str = "a", published: float = 1_700_000_000.0) -> ParsedFeed:
    return ParsedFeed(
        title="Feed",
        articles=tuple(
            Article(guid=f"{prefix}{i}", title=f"Title {prefix}{i} harbour", text=f"text {i} storm",
                    published=published + i * 60)
            for i in range(n)
        ),
    )  # fmt: skip


def test_keyset_pages_cover_everything_once(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("/tmp/feed.xml")
        parsed = make(120)
        parsed = replace(parsed, articles=(*parsed.articles, Article(guid="undated", title="U")))
        store.store_feed(feed.id, parsed)
        seen, cursor = [], None
        while True:
            page = store.page(after=cursor, limit=25)
            seen.extend(page.rows)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(seen) == 121 and len({r.id for r in seen}) == 121
        assert seen[0].title == "Title a119 harbour"
        assert seen[-1].title == "U"  # unknown dates sort last
        plan = " ".join(
            str(r) for r in store.db.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM articles a "
                "WHERE (a.sort_key, a.id) < (1, 1) ORDER BY a.sort_key DESC, a.id DESC LIMIT 5"
            )
        )  # fmt: skip
        assert "articles_by_date" in plan and "TEMP B-TREE" not in plan


def test_update_in_place_keeps_read_state(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("/tmp/feed.xml")
        assert store.store_feed(feed.id, make(3)).new == 3
        first = store.page().rows[-1]
        store.set_read([first.id])
        changed = make(3)
        changed = replace(
            changed,
            articles=(replace(changed.articles[0], title="New title"), *changed.articles[1:]),
        )
        result = store.store_feed(feed.id, changed)
        assert (result.new, result.updated, result.unchanged) == (0, 1, 2)
        article = store.article(first.id)
        assert article is not None and article.title == "New title" and article.read
        store.index_pending()
        assert [r.title for r in store.search("new title")] == ["New title"]


def test_failed_write_changes_nothing(tmp_path: Path) -> None:
    """A write that fails halfway through the feed's transaction (the fourth new article is
    refused by the database) leaves nothing of it: no article, no feed metadata, no index."""
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("/tmp/feed.xml")
        store.store_feed(feed.id, make(5))
        store.db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.guid = 'b3'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        changed = replace(make(5, "b"), title="Renamed")
        with pytest.raises(StoreError, match="refused"):
            store.store_feed(feed.id, changed, body_hash="new")
        assert store.counts() == (5, 5)
        assert not store.db.in_transaction
        assert store.feed_by_id(feed.id).title == "Feed"  # type: ignore[union-attr]
        assert store.feed_body_hash(feed.id) == ""
        assert store.search("b1") == [] and store.pending_index_count() == 0


def test_search_and_malformed_query(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("/tmp/feed.xml")
        store.store_feed(feed.id, make(10))
        assert store.pending_index_count() == 0  # stored and indexed in one transaction
        assert len(store.search("storm", 50)) == 10
        assert len(store.search("harbour AND a3")) == 1
        assert store.search('"unterminated') == []  # searched for its words
        with pytest.raises(SearchQueryError, match=r"cannot search for '\(' \(fts5: syntax"):
            store.search("(")
        store.remove_feed(str(feed.id))
        assert store.search("storm") == []


def test_search_takes_news_words_as_typed(tmp_path: Path) -> None:
    titles = [
        "Russia-Ukraine talks resume", "COVID-19 cases fall", "Cleric al-Sadr speaks",
        "U.S. election results", "Remembering 9/11 twenty years on",
        "Don't panic, says minister", "A plain story about a harbour",
    ]  # fmt: skip
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("/tmp/feed.xml")
        articles = tuple(
            Article(guid=str(i), title=t, body=f"<p>{t}</p>") for i, t in enumerate(titles)
        )
        store.store_feed(feed.id, ParsedFeed(title="T", articles=articles))
        found = {
            q: [r.title for r in store.search(q)]
            for q in ("Russia-Ukraine", "COVID-19", "al-Sadr", "U.S.", "9/11", "don't")
        }
        assert found == {
            "Russia-Ukraine": [titles[0]], "COVID-19": [titles[1]], "al-Sadr": [titles[2]],
            "U.S.": [titles[3]], "9/11": [titles[4]], "don't": [titles[5]],
        }  # fmt: skip
        # FTS5's syntax where it is written
        assert {r.title for r in store.search("covid OR harbour")} == {titles[1], titles[6]}
        assert [r.title for r in store.search('"plain story" NOT russia')] == [titles[6]]
        assert [r.title for r in store.search("title:harb*")] == [titles[6]]
        assert [r.title for r in store.search("NEAR(plain harbour, 3)")] == [titles[6]]


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        for name in ("one", "two"):
            store.add_feed(f"/tmp/{name}.xml")
    script = textwrap.dedent(
        f"""
        import sys
        from newsreader.models import Article, ParsedFeed
        from newsreader.store import Store
        feed_id, prefix = int(sys.argv[1]), sys.argv[2]
        with Store({str(db)!r}) as store:
            for batch in range(20):
                arts = tuple(Article(guid=f"{{prefix}}{{batch}}-{{i}}", title="t", text="x")
                             for i in range(10))
                store.store_feed(feed_id, ParsedFeed(title=prefix, articles=arts))
                store.set_read([1])
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(i), name])
        for i, name in ((1, "one"), (2, "two"))
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    with Store(db) as store:
        assert store.counts()[0] == 400
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_mark_view_read_marks_only_that_view(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        one = store.add_feed("/tmp/one.xml")
        two = store.add_feed("/tmp/two.xml")
        store.store_feed(one.id, make(3, "a"))
        store.store_feed(two.id, make(2, "b"))
        assert store.mark_view_read(ViewFilter(feed_id=one.id)) == 3
        assert store.count(UNREAD) == 2
        assert store.count(ViewFilter(feed_id=two.id, unread_only=True)) == 2
        tagged = store.add_feed("/tmp/three.xml", tags=("town",))
        store.store_feed(tagged.id, make(4, "c"))
        town = ViewFilter(tag="town")
        assert store.mark_view_read(town) == 4 and store.count(replace(town, unread_only=True)) == 0
        assert store.mark_view_read() == 2
        assert store.counts() == (9, 0)


def test_opening_a_store_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    import time

    with Store(tmp_path / "s.db") as writer, writer.write():
        start = time.monotonic()
        with Store(tmp_path / "s.db") as reader:
            assert reader.counts() == (0, 0)
        assert time.monotonic() - start < 1.0  # not the 10 s busy timeout


def test_a_refresh_stores_an_html_body_s_text_and_leaves_the_indexes_for_later(
    tmp_path: Path,
) -> None:
    """Storing without indexing (as a refresh does) keeps the start of the body's words and
    the words the related index will count: the article is listed and opens at once, and the
    indexing makes it searchable and related without reading its body again."""
    html = "<p>The <b>lighthouse</b> keeper logged a comet over the bay.</p><p>More soon.</p>"
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        article = Article(guid="a1", title="Night watch", body=html, body_format="html")
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=(article,)), index=False)
        (article_id,) = store.db.execute("SELECT id FROM articles").fetchone()
        stored_text = store.db.execute("SELECT text FROM articles").fetchone()[0]
        assert "lighthouse keeper logged a comet" in stored_text
        (terms,) = store.db.execute("SELECT terms FROM related_pending").fetchone()
        assert terms
        opened = store.article(article_id)
        assert opened is not None and "lighthouse keeper logged a comet" in opened.text
        assert not store.search("lighthouse")
        assert store.index_pending() == 1
        assert [r.id for r in store.search("lighthouse")] == [article_id]
        assert store.db.execute("SELECT count(*) FROM related_docs").fetchone() == (1,)


def test_an_article_the_indexing_cannot_read_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body that makes text extraction fail is indexed by its title; the batch goes on (else
    every later refresh would stop at the same article)."""
    from newsreader.text import htmldoc

    real = htmldoc.quick_text

    def failing(html: str) -> str:
        if "POISON" in html:
            raise RuntimeError("a bug met by one body")
        return real(html)

    monkeypatch.setattr(htmldoc, "quick_text", failing)
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        articles = (
            Article(guid="p", title="Harbour lights", body="<p>POISON</p>", body_format="html"),
            Article(guid="g", title="Night watch", body="<p>comet seen</p>", body_format="html"),
        )
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=articles), index=False)
        assert store.index_pending() == 2
        assert store.pending_index_count() == 0
        assert [r.title for r in store.search("comet")] == ["Night watch"]
        assert [r.title for r in store.search("harbour")] == ["Harbour lights"]


class _StopAfterSearch(Exception):
    pass


def _stop() -> None:
    raise _StopAfterSearch


def _html_feed(bodies: dict[str, str]) -> ParsedFeed:
    articles = tuple(
        Article(guid=guid, title=f"Report {guid}", body=f"<p>{body}</p>", body_format="html")
        for guid, body in bodies.items()
    )
    return ParsedFeed(title="Bay", articles=articles)


def test_search_is_indexed_before_related_articles_and_an_interruption_loses_nothing(
    tmp_path: Path,
) -> None:
    """The full-text index is filled first for every article (search is ready sooner), then
    the related-articles one. Stopped in between, the articles are searchable, still counted
    as pending, and the next indexing does only what is left; an article changed or deleted
    in between is indexed again or forgotten, and both indexes stay consistent."""
    from newsreader.store import postings

    bodies = {"a": "harbour ferry timetable", "b": "lighthouse comet", "c": "tide tables"}
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        other = store.add_feed("https://example.org/other")
        store.store_feed(feed.id, _html_feed(bodies), index=False)
        store.store_feed(other.id, _html_feed({"x": "market prices"}), index=False)
        with pytest.raises(_StopAfterSearch):
            store.index_pending(searchable=_stop)
        assert [r.title for r in store.search("comet")] == ["Report b"]
        assert store.pending_index_count() == 4
        assert postings.docs_count(store.db) == 0
        # in between: one article changes, a feed goes
        store.store_feed(feed.id, _html_feed({**bodies, "b": "lighthouse eclipse"}), index=False)
        store.remove_feed(other.url)
        assert store.pending_index_count() == 3
        assert store.index_pending() == 3
        assert store.pending_index_count() == 0
        assert not store.search("comet") and [r.title for r in store.search("eclipse")] == [
            "Report b"
        ]
        assert postings.docs_count(store.db) == 3
        assert store.db.execute("SELECT count(*) FROM related_docs").fetchone() == (3,)
        check = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"
        store.db.execute(check)


@pytest.mark.parametrize("index_at_once", [True, False])
def test_a_long_html_body_keeps_only_its_indexed_text_and_opens_whole(
    tmp_path: Path, index_at_once: bool
) -> None:
    """The store keeps the start of an HTML body's text that the indexes read (not a second
    copy of a long body); the article opens with all of it, extracted from its body."""
    from newsreader.store import STORED_TEXT_CHARS

    paragraphs = [f"Paragraph {i} about the harbour ferry timetable." for i in range(400)]
    body = "".join(f"<p>{p}</p>" for p in paragraphs) + "<p>The last word: zeppelin.</p>"
    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        parsed = ParsedFeed(title="Bay", articles=(Article(guid="long", title="Long", body=body),))
        store.store_feed(feed.id, parsed, index=index_at_once)
        if not index_at_once:
            assert store.index_pending() == 1
        ((article_id, stored),) = store.db.execute("SELECT id, text FROM articles").fetchall()
        assert len(stored) == STORED_TEXT_CHARS and stored.startswith("Paragraph 0 about")
        opened = store.article(article_id)
        assert opened is not None and opened.text.endswith("The last word: zeppelin.")
        assert [r.id for r in store.search("harbour")] == [article_id]
        check = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"
        store.db.execute(check)


def test_lookups_by_a_list_of_ids_find_each_row_once_with_a_few_statement_shapes(
    tmp_path: Path,
) -> None:
    """SQLite's connection keeps each SQL text it compiled: an ``IN (?, ...)`` written for
    every count of values kept one statement per count (ten megabytes in an index job). The
    lists are padded to a few sizes, and a padded value finds its row once."""
    from newsreader.store import postings

    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        store.store_feed(feed.id, make(150), index=False)
        ids = [row[0] for row in store.db.execute("SELECT id FROM articles ORDER BY id")]
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        for count in [*range(1, 151), 2_000]:
            wanted = ids[:count] + list(range(10**6, 10**6 + count - 150))  # some absent
            found = postings.select_in(store.db, "SELECT id FROM articles WHERE id IN ({})", wanted)
            assert sorted(row[0] for row in found) == ids[:count]
        store.db.set_trace_callback(None)
    sizes = {sql.count(",") + 1 for sql in statements if " IN (" in sql}
    assert sizes == {1, 2, 4, 8, 16, 32, 64, 128, 256, 900}


def test_a_batch_of_postings_is_written_whole_in_two_statement_shapes(tmp_path: Path) -> None:
    """Postings go in many rows a statement (one a statement was most of the related pass's
    write); every row is written, whatever the count, with two SQL texts in all."""
    from array import array

    from newsreader.store import postings

    per = postings.POSTINGS_PER_STATEMENT
    with Store(tmp_path / "s.db") as store:
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        written: set[tuple[int, ...]] = set()
        for count in (0, 1, per - 1, per, per + 1, 2 * per + 37):
            base = len(written)
            rows = [(1, base + n, 10**6 + n, n % 7 + 1) for n in range(count)]
            with store.write():
                postings._insert_postings(store.db, array("q", [v for r in rows for v in r]))
            written.update(rows)
            stored = set(store.db.execute("SELECT * FROM related_postings"))
            assert stored == written
        store.db.set_trace_callback(None)
    # the trace shows each statement with its values: its rows are its parentheses
    shapes = {
        sql.split(" VALUES ", 1)[1].count("(")
        for sql in statements
        if "INTO related_postings" in sql
    }
    assert shapes == {1, per}


def test_counting_what_is_left_to_index_reads_only_the_pending_rows(tmp_path: Path) -> None:
    """Every refresh asks; a plan that scans the articles reads a 100k store whole."""
    from newsreader.store import PENDING_COUNT_SQL

    with Store(tmp_path / "s.db") as store:
        feed = store.add_feed("https://example.org/feed")
        store.store_feed(feed.id, make(50), index=False)
        plan = [row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + PENDING_COUNT_SQL)]
        assert not {"SCAN a", "SCAN articles"} & set(plan), plan  # a scan without an index
        assert store.pending_index_count() == 50


def test_two_threads_creating_a_store_at_once_both_open_it(tmp_path: Path) -> None:
    """The reader's first run opens the missing store from two workers at once: SQLite answered
    "database is locked" to one of them in a quarter of the tries."""
    import threading

    failures: list[str] = []
    for trial in range(300):
        db = tmp_path / f"t{trial}" / "newsreader.db"
        start = threading.Barrier(2)

        def open_it(db: Path = db, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with Store(db) as store:
                    store.feeds()
            except Exception as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_a_writer_waits_for_the_lock_and_takes_it_once_it_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write waits while another connection holds the write lock, takes it once that one
    commits, and says "locked" in one line when it waited the whole busy timeout."""
    import sqlite3
    import threading
    import time

    from newsreader.store import connection

    path = tmp_path / "s.db"
    with Store(path) as store:
        feed = store.add_feed("https://example.org/feed")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    with Store(path) as store:
        started = time.monotonic()
        released.start()
        store.record_error(feed.id, "a writer that waited")
        assert 0.25 <= time.monotonic() - started < 5
        assert store.feeds()[0].last_error == "a writer that waited"
        monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"):
            store.record_error(feed.id, "never written")
        holder.execute("ROLLBACK")
    released.join()
    holder.close()
