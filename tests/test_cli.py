import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.cli import main

RSS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Local Feed</title>
<link>https://local.example/</link>
<item><title>[bold red]x[/bold red] \x1b]52;c;SGk=\x07 first</title><link>https://local.example/1</link>
<guid>g1</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Harbour story &lt;a href="https://local.example/ref"&gt;ref&lt;/a&gt;&lt;/p&gt;</description>
<media:content url="https://local.example/i.jpg" medium="image">
<media:description>A caption</media:description><media:credit>Photo Desk</media:credit>
</media:content><source url="https://wire.example/rss">Wire Service</source></item>
<item><title>Second</title><link>https://local.example/2</link><guid>g2</guid>
<pubDate>Mon, 02 Nov 3026 10:00:00 GMT</pubDate><description>Later text</description></item>
</channel></rss>"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(RSS, encoding="utf-8")
    return path


def test_add_refresh_list_show(capsys, data_dir: Path, feed_file: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "add", str(feed_file), "--tag", "local")[0] == 0
    code, out, _ = run(capsys, *d, "refresh")
    assert code == 0 and "2 new" in out
    summary = r"1 feed, 2 new articles, 0 failed \(stored in [\d.]+ s, search index [\d.]+ s"
    assert re.search(summary + r", related index [\d.]+ s\)", out), out
    code, out, _ = run(capsys, *d, "feeds", "--json")
    (feed,) = json.loads(out)
    assert feed["title"] == "Local Feed" and feed["articles"] == 2 and feed["last_error"] is None
    assert feed["tags"] == ["local"]
    code, out, _ = run(capsys, *d, "articles", "--json")
    rows = json.loads(out)
    assert [set(r) for r in rows] == [{"id", "url", "title", "feed", "published", "read"}] * 2
    assert rows[0]["title"].startswith("[bold red]x[/bold red]")  # literal, escape removed
    assert "\x1b" not in out and rows[1]["published"] is None  # year 3026 is implausible
    first = rows[0]["id"]
    code, out, _ = run(capsys, *d, "show", str(first), "--json")
    shown = json.loads(out)
    assert shown["captions"] == [
        {
            "text": "A caption",
            "credit": "Photo Desk",
            "image_url": "https://local.example/i.jpg",
            "alt": "",
        }
    ]
    kinds = {(s["kind"], s["name"]) for s in shown["sources"]}
    assert ("agency", "Wire Service") in kinds and ("publisher", "Local Feed") in kinds
    assert any(
        s["kind"] == "link" and s["url"] == "https://local.example/ref" for s in shown["sources"]
    )
    code, out, _ = run(capsys, *d, "show", str(first))
    assert "[image] A caption — Photo Desk" in out and "[1] https://local.example/ref" in out
    code, out, _ = run(capsys, *d, "search", "harbour", "--json")
    assert [r["id"] for r in json.loads(out)] == [first]
    code, out, _ = run(capsys, *d, "articles", "--unread", "--limit", "1")
    assert code == 0 and len(out.strip().splitlines()) == 1
    code, out, _ = run(capsys, *d, "related", str(first), "--json")
    assert json.loads(out.splitlines()[0])["id"] == first
    code, out, _ = run(capsys, *d, "export", "opml")
    assert "xmlUrl=" in out and 'category="local"' in out
    assert run(capsys, *d, "remove", "Local Feed")[0] == 0
    assert json.loads(run(capsys, *d, "feeds", "--json")[1]) == []


def test_unchanged_file_is_not_parsed_again(capsys, data_dir: Path, feed_file: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    run(capsys, *d, "add", str(feed_file))
    run(capsys, *d, "refresh")
    code, out, _ = run(capsys, *d, "refresh")
    assert code == 0 and "unchanged" in out


def test_broken_feed_is_one_line_and_keeps_others(
    capsys, data_dir: Path, feed_file: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    broken = tmp_path / "broken.xml"
    broken.write_text("<html><body>not a feed</body></html>")
    run(capsys, *d, "add", str(feed_file))
    run(capsys, *d, "add", str(broken))
    code, _out, err = run(capsys, *d, "refresh")
    assert code == 1 and "not a feed" in err and "Traceback" not in err
    feeds = json.loads(run(capsys, *d, "feeds", "--json")[1])
    assert [f["articles"] for f in feeds] == [2, 0]
    assert feeds[1]["last_error"].startswith("not a feed")
    feed_file.write_text("garbage")  # a feed that breaks later keeps what it had
    run(capsys, *d, "refresh")
    assert json.loads(run(capsys, *d, "feeds", "--json")[1])[0]["articles"] == 2


def test_import_opml_and_newsboat_urls(capsys, data_dir: Path, tmp_path: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="News"><outline text="A" xmlUrl="https://a.example/rss" category="world"/>'
        '</outline><outline text="B" xmlUrl="https://b.example/rss"/></body></opml>'
    )
    urls = tmp_path / "urls"
    urls.write_text(
        '# comment\nhttps://c.example/feed tech "~Custom C"\n'
        '"query:Unread:unread = \\"yes\\""\nexec:~/bin/script.sh\nfilter:~/f.sh:https://d.example\n'
        "https://e.example/feed#frag news # trailing comment\n"
    )
    assert run(capsys, *d, "import", str(opml))[0] == 0
    code, out, err = run(capsys, *d, "import", str(urls))
    assert code == 0 and err.count("skipped") == 2 and "never run" in err
    assert "saved 1 search in" in out  # the query: line, in this test's own config home
    feeds = {f["url"]: f for f in json.loads(run(capsys, *d, "feeds", "--json")[1])}
    assert feeds["https://a.example/rss"]["tags"] == ["News", "world"]
    assert feeds["https://c.example/feed"]["title"] == "Custom C"
    assert feeds["https://c.example/feed"]["tags"] == ["tech"]
    assert feeds["https://e.example/feed#frag"]["tags"] == ["news"]
    assert len(feeds) == 4


@pytest.mark.slow
def test_user_errors_are_one_line_without_traceback(data_dir: Path) -> None:
    cases = [
        ["show", "999"],
        ["show", "abc"],
        ["add", "/no/such/path"],
        ["add", "javascript:alert(1)"],
        ["add", "https://x.example/\x1b]52;c;eA==\x07"],
        ["search", "("],  # a query FTS5 cannot read (an unclosed quote is searched)
        ["remove", "nothing"],
        ["import", "/no/such/file"],
    ]
    for args in cases:
        result = subprocess.run(
            [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)


def test_locate_and_environment_overrides(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "env-data"))
    monkeypatch.setenv("NEWSREADER_CONFIG", str(tmp_path / "conf.toml"))
    _code, out, _ = run(capsys, "locate")
    assert str(tmp_path / "env-data" / "newsreader.db") in out
    assert str(tmp_path / "env-data" / "newsreader.related.db") in out  # the related index
    assert str(tmp_path / "env-data" / "newsreader.search.db") in out  # the full-text index
    assert str(tmp_path / "conf.toml") in out
    assert str(tmp_path / "env-data" / "bookmarks.json") in out
    assert not (tmp_path / "env-data").exists()  # locate creates nothing


@pytest.mark.slow
def test_ttl_is_a_minimum_interval_but_one_feed_by_hand_always_fetches(
    capsys, data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "ttl.xml"
    feed.write_text(
        RSS.replace("<title>Local Feed</title>", "<title>Local Feed</title><ttl>60</ttl>")
    )
    d = ["--data-dir", str(data_dir)]
    run(capsys, *d, "add", str(feed))
    assert run(capsys, *d, "refresh")[0] == 0
    code, out, _ = run(capsys, *d, "refresh")
    assert code == 0 and "skip Local Feed: skipped until" in out and "1 skipped" in out
    code, out, _ = run(capsys, *d, "refresh", "--feed", "Local Feed")
    assert code == 0 and "unchanged" in out
    # on a terminal too, the feed skipped is named with the reason
    code, text = on_terminal(*d, "refresh")
    assert code == 0 and "skip Local Feed: skipped until" in text and "(its <ttl>)" in text, text
    assert "1 skipped (not due yet" in text


def on_terminal(*args: str) -> tuple[int, str]:
    """Run newsreader with a terminal on stdout and stderr; its exit code and what it wrote."""
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execv(sys.executable, [sys.executable, "-m", "newsreader", *args])
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.slow
def test_refresh_on_a_terminal_shows_progress_and_a_summary(
    data_dir: Path, feed_file: Path
) -> None:
    subprocess.run(
        [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), "add", str(feed_file)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    code, text = on_terminal("--data-dir", str(data_dir), "refresh")
    assert code == 0, text
    assert "1 feed, 2 new articles, 0 failed" in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_a_folders_warnings_show_on_a_terminal_too(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "good.txt").write_text("A headline\n\nA paragraph.\n")
    (folder / "broken.json").write_text("{not json")
    assert main(["--data-dir", str(data_dir), "add", str(folder)]) == 0
    code, text = on_terminal("--data-dir", str(data_dir), "refresh")
    assert code == 0 and "warning: broken.json: " in text, text


@pytest.mark.slow
def test_bookmarks_commands(capsys, data_dir: Path, feed_file: Path, tmp_path: Path) -> None:
    marker = tmp_path / "command-args.json"
    script = tmp_path / "record.py"
    script.write_text(f"import json, sys\njson.dump(sys.argv[1:], open({str(marker)!r}, 'w'))\n")
    config = tmp_path / "config.toml"
    config.write_text(f'bookmark_command = ["{sys.executable}", "{script}"]\n')
    d = ["--data-dir", str(data_dir), "--config", str(config)]
    run(capsys, *d, "add", str(feed_file))
    run(capsys, *d, "refresh")
    first = json.loads(run(capsys, *d, "articles", "--json")[1])[0]
    code, out, err = run(
        capsys, *d, "bookmarks", "add", str(first["id"]), "--tag", "x", "--note", "n"
    )
    assert code == 0 and "bookmarked" in out, err
    url, title, _description, feed = json.loads(marker.read_text())
    assert (url, feed) == (first["url"], "Local Feed") and title == first["title"]
    listed = json.loads(run(capsys, *d, "bookmarks", "list", "--json")[1])
    assert listed[0]["tags"] == ["x"] and listed[0]["captions"][0]["credit"] == "Photo Desk"
    assert json.loads(run(capsys, *d, "bookmarks", "list", "--tag", "nope", "--json")[1]) == []
    out_file = tmp_path / "export.html"
    assert (
        run(capsys, *d, "bookmarks", "export", "--format", "netscape", "-o", str(out_file))[0] == 0
    )
    # a bookmark outlives the store
    (data_dir / "newsreader.db").unlink()
    assert len(json.loads(run(capsys, *d, "bookmarks", "--json")[1])) == 1
    assert run(capsys, *d, "bookmarks", "remove", first["url"])[0] == 0
    assert json.loads(run(capsys, *d, "bookmarks", "--json")[1]) == []
    code, out, _ = run(capsys, *d, "bookmarks", "import", str(out_file))
    assert code == 0 and "imported 1 bookmark " in out
    code, _, err = run(capsys, *d, "bookmarks", "remove", "https://nothing.example/")
    assert code != 0 and "no bookmark" in err


def test_index_command_finishes_what_a_refresh_left(capsys, data_dir: Path) -> None:
    from newsreader.models import Article, ParsedFeed
    from newsreader.store import Store

    with Store(data_dir / "newsreader.db") as store:
        feed = store.add_feed("https://example.org/feed")
        articles = tuple(
            Article(guid=f"g{i}", title=f"Ferry report {i}", body=f"<p>pier {i} timetable</p>")
            for i in range(3)
        )
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=articles), index=False)
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "index") == (0, "indexed 3 articles\n", "")
    assert run(capsys, *d, "index") == (0, "indexed 0 articles\n", "")
    code, out, _ = run(capsys, *d, "search", "timetable", "--json")
    assert code == 0 and len(json.loads(out)) == 3


@pytest.mark.slow
def test_a_refresh_whose_output_is_closed_finishes_its_work(data_dir: Path) -> None:
    """``newsreader refresh | head -1``: the reader of the output goes after a line; the refresh
    stores, indexes and records every feed as if it were still read."""
    from newsreader.store import Store

    from .feedserver import FeedServer

    server = FeedServer().start()
    try:
        with Store(data_dir / "newsreader.db") as store:
            for i in range(20):
                store.add_feed(f"{server.base}/fast{i}")
            store.add_feed(f"{server.base}/many1")  # 600 articles: indexed by its own job
        refresh = subprocess.Popen(
            [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), "refresh"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert refresh.stdout is not None and refresh.stderr is not None
        assert refresh.stdout.readline()  # head -1
        refresh.stdout.close()
        _, err = refresh.communicate(timeout=120)
    finally:
        server.stop()
    assert refresh.returncode == 0, err
    assert b"Traceback" not in err
    with Store(data_dir / "newsreader.db") as store:
        assert store.counts()[0] == 660 and store.pending_index_count() == 0
        assert [f.last_error for f in store.feeds() if f.last_error] == []


def test_import_takes_only_subscription_lists_and_remove_all_from_undoes_it(
    capsys, data_dir: Path, tmp_path: Path
) -> None:
    d = ["--data-dir", str(data_dir)]
    code, out, err = run(capsys, *d, "import", "/etc/passwd")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "line 1 is neither a feed URL nor a path" in err and "nothing was imported" in err
    unknown = tmp_path / "unknown.opml"
    unknown.write_text(
        '<?xml version="1.0" encoding="x-no-such-encoding"?><opml version="2.0"><body>'
        '<outline xmlUrl="https://a.example/feed"/></body></opml>'
    )
    code, out, err = run(capsys, *d, "import", str(unknown))
    assert code == 1 and err.strip().splitlines() == [
        "newsreader: not valid OPML: unknown encoding: x-no-such-encoding"
    ], err
    assert json.loads(run(capsys, *d, "feeds", "--json")[1]) == []
    lists = tmp_path / "lists"
    (lists / "notes").mkdir(parents=True)
    (lists / "notes" / "a.txt").write_text("Headline\n\nText.\n")
    (tmp_path / "elsewhere.xml").write_text(RSS)
    urls = lists / "urls"
    urls.write_text(
        f"https://a.example/feed news\n./notes local\n{tmp_path / 'elsewhere.xml'}\n./missing\n"
    )
    code, out, err = run(capsys, *d, "import", str(urls))
    assert code == 0 and "imported 3 feeds" in out and "./missing: skipped" in err
    feeds = {f["url"] for f in json.loads(run(capsys, *d, "feeds", "--json")[1])}
    assert feeds == {
        "https://a.example/feed",
        str(lists / "notes"),
        str(tmp_path / "elsewhere.xml"),
    }
    assert run(capsys, *d, "add", "--no-check", "https://b.example/kept")[0] == 0
    code, out, _ = run(capsys, *d, "remove", "--all-from", str(urls))
    assert code == 0 and "removed 3 feeds" in out
    feeds = {f["url"] for f in json.loads(run(capsys, *d, "feeds", "--json")[1])}
    assert feeds == {"https://b.example/kept"}


def test_add_checks_a_web_feed_and_finds_the_feed_a_page_names(capsys, data_dir: Path) -> None:
    from .feedserver import FeedServer, closed_port_url

    server = FeedServer().start()
    server.mode = "bad"
    d = ["--data-dir", str(data_dir)]
    try:
        code, out, _ = run(capsys, *d, "add", f"{server.base}/fast-one")
        assert code == 0 and "fast-one, 3 articles" in out, out
        code, out, _ = run(capsys, *d, "add", f"{server.base}/page-with-feed")
        assert code == 0 and f"added {server.base}/fast-named" in out, out
        assert "(the feed the page" in out and "page-with-feed names)" in out
        code, _, err = run(capsys, *d, "add", f"{server.base}/html")
        assert code == 1 and "not added:" in err and "not a feed (got text/html)" in err, err
        assert "--no-check" in err
        code, out, _ = run(capsys, *d, "add", "--no-check", f"{server.base}/html")
        assert code == 0
        dead = closed_port_url()
        code, out, _ = run(capsys, *d, "add", dead)
        assert code == 0 and "not checked now (connection refused)" in out, out
    finally:
        server.stop()
    urls = {f["url"] for f in json.loads(run(capsys, *d, "feeds", "--json")[1])}
    assert urls == {f"{server.base}/fast-one", f"{server.base}/fast-named",
                    f"{server.base}/html", dead}  # fmt: skip
