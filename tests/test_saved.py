"""Saved searches: config.toml's [[saved]] as views with counts, on a real store, in the CLI
(saved add / saved / articles --saved) and in the reader's picker (f)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.library import Library
from newsreader.library.paths import resolve
from newsreader.library.saved import read_query, view_filter
from newsreader.models import Article, ParsedFeed, UsageError
from newsreader.store import Store

DAY = 86400
NOW = time.time()


def _store(tmp_path: Path) -> list[str]:
    with Store(tmp_path / "newsreader.db") as store:
        gazette = store.add_feed("https://gazette.test/feed", tags=["local"])
        wire = store.add_feed("https://wire.test/feed")
        store.store_feed(gazette.id, ParsedFeed(title="Gazette", articles=(
            Article(guid="a", title="Harbour wall funded", authors=("Mara Quist",),
                    body="<p>The harbour wall will be rebuilt.</p>", published=NOW - 1 * DAY),
            Article(guid="b", title="Ferry timetable", authors=("Ole Brand",),
                    body="<p>The ferry calls twice an hour.</p>", published=NOW - 2 * DAY),
            Article(guid="c", title="Old harbour photos", authors=("Mara Quist",),
                    body="<p>Pictures of the harbour in 1950.</p>", published=NOW - 40 * DAY),
        )))  # fmt: skip
        store.store_feed(wire.id, ParsedFeed(title="Wire", articles=(
            Article(guid="d", title="Harbour strike ends", body="<p>Dock workers return.</p>",
                    published=NOW - 3 * DAY),
        )))  # fmt: skip
        store.index_pending()
        store.set_read([r.id for r in store.page().rows if r.title == "Ferry timetable"])
    config = tmp_path / "config.toml"
    config.write_text('theme = ""\n')
    return ["--data-dir", str(tmp_path), "--config", str(config)]


def _listed(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[str]:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return sorted(r["title"] for r in json.loads(capsys.readouterr().out))


def test_a_query_is_words_and_filters() -> None:
    found = read_query('harbour "the wall" feed:"The Gazette" tag:local unread:yes author:quist'
                       " after:2026-11-01 before:7", now=1_800_000_000)  # fmt: skip
    assert found.words == 'harbour "the wall"' and found.feed == "The Gazette"
    assert found.tag == "local" and found.unread is True and found.author == "quist"
    assert found.after == 1_793_491_200 and found.before == 1_800_000_000 - 7 * DAY
    assert read_query("http://x.test/a b:c").words == "http://x.test/a b:c"  # not filters
    for bad in ("unread:maybe", "after:someday", "tag:"):
        with pytest.raises(UsageError):
            read_query(bad)


def test_saved_searches_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _store(tmp_path)
    assert main([*args, "saved", "add", "Harbour", "harbour"]) == 0
    assert main([*args, "saved", "add", "Quist lately", "author:quist after:30"]) == 0
    assert main([*args, "saved", "add", "Local unread", "tag:local unread:yes"]) == 0
    assert main([*args, "saved", "add", "Wire", "feed:Wire"]) == 0
    assert main([*args, "saved", "add", "Bad", "after:someday"]) == 2
    assert main([*args, "saved", "add", "harbour", "x"]) == 2  # the name is taken
    assert (tmp_path / "config.toml").read_text().startswith('theme = ""\n')  # kept as written
    base = [*args, "articles", "--saved"]
    assert _listed(capsys, [*base, "Harbour"]) == [
        "Harbour strike ends", "Harbour wall funded", "Old harbour photos"]  # fmt: skip
    assert _listed(capsys, [*base, "Quist lately"]) == ["Harbour wall funded"]
    assert _listed(capsys, [*base, "local unread"]) == ["Harbour wall funded", "Old harbour photos"]
    assert _listed(capsys, [*base, "Wire"]) == ["Harbour strike ends"]
    assert _listed(capsys, [*base, "Harbour", "--unread", "--feed", "Wire"]) == [
        "Harbour strike ends"
    ]
    capsys.readouterr()
    assert main([*args, "saved", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    counts = {r["name"]: (r["unread"], r["total"]) for r in lines}
    assert counts == {
        "Harbour": (3, 3),
        "Quist lately": (1, 1),
        "Local unread": (2, 2),
        "Wire": (1, 1),
    }
    assert main([*args, "articles", "--saved", "Nope"]) == 2


def test_newsboat_queries_and_ignore_articles_are_imported_with_their_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _store(tmp_path)
    urls = tmp_path / "urls"
    urls.write_text(
        "https://gazette.test/feed local\n"
        '"query:Unread harbour:unread = \\"yes\\" and title =~ \\"harbour\\""\n'
        '"query:Local week:tags # \\"local\\" and age < 7"\n'
        '"query:Mixed:title =~ \\"^Ha.*l$\\" and unread = \\"yes\\""\n'
        '"query:Either:unread = \\"yes\\" or flags # \\"s\\""\n'
        '"exec:~/bin/feed"\n'
    )
    newsboat = tmp_path / "newsboat-config"
    newsboat.write_text(
        'ignore-article "*" "title =~ \\"Ferry\\""\n'
        'ignore-article "https://wire.test/feed" "author =~ \\"Quist\\" and age > 30"\n'
        'ignore-article "*" "title =~ \\"x\\" or content =~ \\"y\\""\n'
        'ignore-article "*" "flags # \\"s\\""\n'
        "exec-on-startup rm -rf ~\n"
    )
    capsys.readouterr()
    assert main([*args, "import", str(urls), "--newsboat-config", str(newsboat)]) == 0
    out, err = capsys.readouterr()
    assert "saved 3 searches" in out and "imported 2 ignore-article rules" in out
    assert "query 'Mixed': left out \"title =~ '^Ha.*l$'\"" in err
    assert "query 'Either': left out" in err and "nothing of it translates" in err
    assert "line 3: ignore-article not imported" in err and "line 4" in err
    assert "skipped a exec: feed (never run)" in err
    base = [*args, "articles", "--saved"]
    assert _listed(capsys, [*base, "Unread harbour"]) == [
        "Harbour strike ends", "Harbour wall funded", "Old harbour photos"]  # fmt: skip
    assert _listed(capsys, [*base, "Local week"]) == ["Ferry timetable", "Harbour wall funded"]
    assert main([*args, "rules", "apply"]) == 0
    assert "1 blocked" in capsys.readouterr().out  # Ferry; the wire's rule matches nothing
    config = (tmp_path / "config.toml").read_text()
    assert 'title = "Ferry"' in config and 'feed = "https://wire.test/feed"' in config
    assert "older_than = 30" in config and "rm -rf" not in config


def test_a_saved_search_pages_the_same_whether_its_words_are_rare_or_common(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsreader.library.saved import SavedSearch
    from newsreader.store import queries

    _store(tmp_path)
    library = Library(resolve(tmp_path))
    view = library.saved_view(SavedSearch("h", "harbour"))
    sparse = [r.title for r in library.rows(view, 0, 10)]
    monkeypatch.setattr(queries, "DENSE_MATCHES", 1)  # walk by date, checking each row
    assert [r.title for r in library.rows(view, 0, 10)] == sparse
    assert sparse == ["Harbour wall funded", "Harbour strike ends", "Old harbour photos"]


@pytest.mark.parametrize("read_share", [0, 1, 5, 9], ids=lambda n: f"{n}-of-10-read")
@pytest.mark.parametrize("probed", [0, 4, 1000])
def test_a_common_words_counts_agree_whichever_side_they_are_counted_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_share: int, probed: int
) -> None:
    """Counts of views whose words are in many articles take the cheapest way there (the
    other conditions' rows looked up one by one, the matches alone, the matches less the
    read ones, the unread rows against the matches): each way gives the count that gathering
    every match gives."""
    from newsreader.store import queries

    words = ["harbour", "ferry", "storm"]
    with Store(tmp_path / "newsreader.db") as store:
        feeds = [store.add_feed(f"https://f{n}.test/feed", tags=[f"t{n % 2}"]) for n in range(3)]
        for n, feed in enumerate(feeds):
            store.store_feed(feed.id, ParsedFeed(title=f"F{n}", articles=tuple(
                Article(guid=f"{n}-{i}", title=f"{words[i % 3]} news {i}",
                        authors=("Mara Quist" if i % 4 else "Ole Brand",),
                        body=f"<p>{words[(i + n) % 3]} and the harbour.</p>",
                        published=NOW - i * DAY)
                for i in range(20)
            )))  # fmt: skip
        store.index_pending()
        ids = sorted(r.id for r in store.page(limit=100).rows)
        store.set_read([i for i in ids if i % 10 < read_share])
        views = [
            view_filter(read_query(f"{q} {w}"), lambda key: int(key))
            for w in ("harbour", "ferry")
            for q in ("", "unread:yes", "feed:2", "tag:t1 unread:yes", "author:ole", "tag:none")
        ]
        sparse = [store.count(v) for v in views]
        monkeypatch.setattr(queries, "DENSE_MATCHES", 1)
        monkeypatch.setattr(queries, "PROBED_ROWS", probed)
        assert [store.count(v) for v in views] == sparse
        assert sparse[1] == sum(1 for r in store.page(limit=100).rows if not r.read)
