"""Rules in config.toml at store time (a real refresh from a loopback server into a real
store): block, keep, mark_read and tag, per feed and global; a broken and a slow pattern
reported and bounded; ``rules apply`` and ``rules test`` on what is stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.library import Library
from newsreader.library.paths import resolve
from newsreader.library.rules import RuleArticle, RuleFeed, read_rules
from newsreader.models import ALL_ARTICLES, ViewFilter
from newsreader.store import Store

from .feedserver import FeedServer

ITEMS = {
    "tech": [
        ("AI writes the harbour report", "A model drafted the engineers' harbour report."),
        ("New ferry timetable", "The ferry calls twice an hour from Monday."),
        ("Sponsored: buy a boat", "Boats for sale along the wharf this weekend."),
    ],
    "city": [
        ("Council votes on the wall", "The council voted to rebuild the harbour wall."),
        ("Weather: storms again", "More storms are due along the coast this week."),
    ],
}


def _feed(name: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://{name}.test/{n}</link><guid>{name}-{n}</guid>"
        f"<category>{'ads' if title.startswith('Sponsored') else 'news'}</category>"
        f"<description>{body}</description></item>"
        for n, (title, body) in enumerate(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name.title()}</title>'
        f"{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    for name, items in ITEMS.items():
        server.pages[f"/{name}.xml"] = (_feed(name, items), "application/rss+xml")
    yield server
    server.stop()


def _setup(tmp_path: Path, server: FeedServer, rules: str) -> list[str]:
    (tmp_path / "config.toml").write_text(rules)
    args = ["--data-dir", str(tmp_path), "--config", str(tmp_path / "config.toml")]
    for name in ITEMS:
        assert main([*args, "add", "--no-check", f"{server.base}/{name}.xml"]) == 0
    return args


def _titles(tmp_path: Path, view: ViewFilter = ALL_ARTICLES) -> dict[str, bool]:
    """Stored titles -> read."""
    with Store(tmp_path / "newsreader.db") as store:
        return {r.title: r.read for r in store.page(limit=100, view=view).rows}


def test_block_keep_mark_read_and_tag_rules_when_articles_are_stored(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = f"""
[[rules]]
title = "\\\\bai\\\\b"
[[rules]]
action = "keep"
feed = "{server.base}/city.xml"
text = "council|harbour"
[[rules]]
action = "mark_read"
category = "^ads$"
[[rules]]
action = "tag"
tag = "boats"
match = "words"
text = "wharf boats"
"""
    args = _setup(tmp_path, server, rules)
    assert main([*args, "refresh"]) == 0
    stored = _titles(tmp_path)
    assert "AI writes the harbour report" not in stored  # blocked, in every feed
    assert "Weather: storms again" not in stored  # the city feed keeps only what matches
    assert stored["Council votes on the wall"] is False
    assert stored["New ferry timetable"] is False
    assert stored["Sponsored: buy a boat"] is True  # marked read as it was stored
    assert list(_titles(tmp_path, ViewFilter(tag="boats"))) == ["Sponsored: buy a boat"]
    with Store(tmp_path / "newsreader.db") as store:
        assert "boats" in store.tags()
    library = Library(resolve(tmp_path, config_file=tmp_path / "config.toml"))
    assert library.search("model drafted")[0] == []  # never indexed
    assert main([*args, "refresh", "--force"]) == 0  # remembered: not back, not stored
    assert "AI writes the harbour report" not in _titles(tmp_path)
    assert "rules[" not in capsys.readouterr().err


def test_rules_decide_again_when_a_feed_updates_an_article(
    tmp_path: Path, server: FeedServer
) -> None:
    rules = """
[[rules]]
title = "\\\\bai\\\\b"
[[rules]]
action = "mark_read"
title = "^Weather"
[[rules]]
action = "tag"
tag = "boats"
match = "words"
text = "wharf boats"
"""
    args = _setup(tmp_path, server, rules)
    server.pages["/city.xml"] = (
        _feed("city", [("Council votes on the wall", "The council voted on the wall."),
                       ("Storms again", "More storms are due along the coast this week.")]),
        "application/rss+xml",
    )  # fmt: skip
    assert main([*args, "refresh"]) == 0
    assert _titles(tmp_path)["Storms again"] is False
    assert set(_titles(tmp_path, ViewFilter(tag="boats"))) == {"Sponsored: buy a boat"}
    with Store(tmp_path / "newsreader.db") as store:  # the reader marks it unread again
        store.set_read([r.id for r in store.page(limit=100).rows], read=False)
    server.pages["/tech.xml"] = (
        _feed("tech", [ITEMS["tech"][0],
                       ("New ferry timetable", "Boats line the wharf for the new ferry."),
                       ITEMS["tech"][2]]),
        "application/rss+xml",
    )  # fmt: skip
    server.pages["/city.xml"] = (
        _feed("city", [("AI drafts the council's vote", "The council voted on the wall."),
                       ("Weather: storms again", "More storms are due along the coast.")]),
        "application/rss+xml",
    )  # fmt: skip
    assert main([*args, "refresh", "--force"]) == 0
    stored = _titles(tmp_path)
    assert not {"AI drafts the council's vote", "Council votes on the wall"} & set(stored)
    assert stored["Weather: storms again"] is True  # the update matches: marked read
    assert set(_titles(tmp_path, ViewFilter(tag="boats"))) == {
        "New ferry timetable", "Sponsored: buy a boat",
    }  # fmt: skip
    library = Library(resolve(tmp_path, config_file=tmp_path / "config.toml"))
    assert library.search("council voted")[0] == []  # out of both indexes
    assert main([*args, "refresh", "--force"]) == 0  # and remembered: it does not come back
    assert "AI drafts the council's vote" not in _titles(tmp_path)


def test_a_broken_and_a_slow_pattern_are_one_line_each_and_the_refresh_goes_on(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    long_body = "a" * 50_000 + "!"
    server.pages["/tech.xml"] = (
        _feed("tech", [("Long", long_body), *ITEMS["tech"][1:]]),
        "application/rss+xml",
    )
    rules = """
[[rules]]
title = "(unclosed"
[[rules]]
text = "(a+)+$"
[[rules]]
title = "^Weather"
"""
    args = _setup(tmp_path, server, rules)
    started = time.monotonic()
    assert main([*args, "refresh"]) == 0
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert "rules[1]: title = '(unclosed' is not a pattern" in err
    assert "rules[2]: a pattern took over" in err
    stored = _titles(tmp_path)
    assert "Long" in stored and "Weather: storms again" not in stored  # the others applied


def test_rules_apply_and_rules_test_on_what_is_stored(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _setup(tmp_path, server, "")
    assert main([*args, "refresh"]) == 0
    assert len(_titles(tmp_path)) == 5
    capsys.readouterr()
    assert main([*args, "rules", "test", 'title = "storm|ferry"']) == 0
    out, err = capsys.readouterr()
    assert "New ferry timetable" in out and "Weather: storms again" in out and "2 stored" in err
    assert main([*args, "rules", "test", 'title = "storm|ferry"', "--feed", "City"]) == 0
    assert "ferry" not in capsys.readouterr().out
    assert len(_titles(tmp_path)) == 5  # a test changes nothing
    (tmp_path / "config.toml").write_text(
        '[[rules]]\ntitle = "storm"\n[[rules]]\naction = "mark_read"\ntitle = "ferry"\n'
    )
    assert main([*args, "rules", "apply"]) == 0
    assert "1 blocked, 1 marked read, 0 tagged" in capsys.readouterr().out
    stored = _titles(tmp_path)
    assert "Weather: storms again" not in stored and stored["New ferry timetable"] is True
    library = Library(resolve(tmp_path, config_file=tmp_path / "config.toml"))
    rows, _total = library.search("storms")
    assert not rows  # out of the search index too, and of the related articles' one
    with Store(tmp_path / "newsreader.db") as store:
        ids = {r[0] for r in store.db.execute("SELECT id FROM articles")}
        assert {r[0] for r in store.db.execute("SELECT article_id FROM related_docs")} == ids
    assert main([*args, "refresh", "--force"]) == 0
    assert "Weather: storms again" not in _titles(tmp_path)


def test_rules_decide_in_order_with_dates_and_words() -> None:
    ruleset = read_rules(
        [
            {"action": "tag", "tag": "old", "older_than": 30},
            {"action": "block", "title": "Sport", "case_sensitive": True},
            {"action": "tag", "tag": "pair", "match": "words", "text": "wall harbour"},
            {"action": "dance"},
        ]
    )
    assert ruleset.problems == ["rules[4]: action = 'dance': one of block, keep, mark_read, tag"]
    feed = RuleFeed("https://g.test/feed", "Gazette", ("news",))
    rules = ruleset.for_feed(feed)
    now = time.time()

    def seen(title: str, text: str = "", days: float = 0) -> RuleArticle:
        return RuleArticle(title, (), "", (), text, now - days * 86400)

    assert ruleset.decide(seen("Sport"), rules, now).blocked_by == "rules[2]"
    assert not ruleset.decide(seen("sport"), rules, now).blocked_by
    assert ruleset.decide(seen("x", "the harbour and its wall", 40), rules, now).tags == (
        "old",
        "pair",
    )
    assert ruleset.decide(seen("x", "the wallet"), rules, now).tags == ()


@pytest.mark.parametrize(
    "pattern",
    [r"\bai\w*\b", r"ai(?:s|ing)?\s+\d+", "^linux$", "colou?r", "a|b", "harbour wall",
     r"x{2}yz", r"(?i)Wall", r"[ab]c", r"Wall\.", "WALL"],
)  # fmt: skip
def test_the_text_a_pattern_needs_never_changes_what_it_matches(pattern: str) -> None:
    """The string search before a pattern runs only saves time: same answers as the pattern."""
    import regex

    texts = ["AI writes", "ais 12", "Linux", "linux", "color", "colour", "a", "b", "xxyz",
             "the Harbour Wall.", "HARBOUR WALL", "wall", "bc", "nothing", "xyz", ""]  # fmt: skip
    for case_sensitive in (False, True):
        (rule,) = read_rules(
            [{"title": pattern, "action": "block", "case_sensitive": case_sensitive}]
        ).rules
        flags = 0 if case_sensitive else regex.IGNORECASE
        for text in texts:
            seen = RuleArticle(text, (), "", (), "", None)
            expected = regex.search(pattern, text, flags) is not None
            assert rule.matches(seen, 0.0) is expected, (pattern, text, case_sensitive)
