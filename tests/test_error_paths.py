"""Error paths: a full disk, a read-only store, files in the wrong place. Each says what failed
and why in one line, keeps the user's data and never shows a traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.store import Store

from .conftest import read_only


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def big_feed(path: Path, items: int, prefix: str = "") -> Path:
    body = "".join(
        f"<item><title>{prefix}Story {i}</title><guid>{prefix}{i}</guid>"
        f"<description>{f'word{i} ' * 400}</description></item>"
        for i in range(items)
    )
    path.write_text(f"<rss version='2.0'><channel><title>Big</title>{body}</channel></rss>")
    return path


def fill(disk: Path) -> None:
    """Take every free byte of a small disk."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def stored_articles(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> list[str]:
    """A store with two articles (ids 1 and 2) in ``tmp_path/data``: its ``--data-dir``."""
    d = ["--data-dir", str(tmp_path / "data")]
    assert run(capsys, *d, "add", str(big_feed(tmp_path / "f.xml", 2)))[0] == 0
    assert run(capsys, *d, "refresh")[0] == 0
    return d


def test_a_full_disk_during_refresh_says_so_and_keeps_what_was_stored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small_disk: Callable[[int], Path]
) -> None:
    data = small_disk(600)
    d = ["--data-dir", str(data)]
    small = big_feed(tmp_path / "small.xml", 3, "s")
    assert run(capsys, *d, "add", str(small))[0] == 0
    assert run(capsys, *d, "refresh")[0] == 0
    assert run(capsys, *d, "add", str(big_feed(tmp_path / "big.xml", 400)))[0] == 0
    code, out, err = run(capsys, *d, "refresh", "--force")
    assert code == 1, out + err
    assert "disk full" in out + err and "no transaction is active" not in out + err
    assert "Traceback" not in err
    code, out, _ = run(capsys, *d, "articles", "--feed", str(small), "--json")
    assert code == 0 and len(json.loads(out)) == 3  # the first feed's articles are all there


def test_a_full_disk_while_indexing_says_so(
    capsys: pytest.CaptureFixture[str], small_disk: Callable[[int], Path]
) -> None:
    from newsreader.models import Article, ParsedFeed

    data = small_disk(1500)
    with Store(data / "newsreader.db") as store:
        feed = store.add_feed("/nowhere.xml")
        body = "<p>" + " ".join(f"word{i}" for i in range(300)) + "</p>"
        articles = tuple(Article(guid=str(i), title=f"Story {i}", body=body) for i in range(150))
        store.store_feed(feed.id, ParsedFeed(title="T", articles=articles), index=False)
    fill(data)
    code, _, err = run(capsys, "--data-dir", str(data), "index")
    assert code == 1 and "disk full" in err and "no transaction" not in err, err
    code, out, _ = run(capsys, "--data-dir", str(data), "articles", "--count")
    assert out.strip() == "150"


def test_bookmarks_add_on_a_full_disk_fails_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small_disk: Callable[[int], Path]
) -> None:
    d = stored_articles(capsys, tmp_path)
    disk = small_disk(16)
    fill(disk)
    marks = ["--bookmarks", str(disk / "bookmarks.json")]
    code, out, err = run(capsys, *d, *marks, "bookmarks", "add", "1")
    assert code == 1 and "bookmarked" not in out, out
    assert "cannot save bookmarks" in err and "No space left on device" in err
    assert "session" not in err


def test_a_read_only_bookmarks_file_is_never_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = stored_articles(capsys, tmp_path)
    marks = tmp_path / "bookmarks.json"
    assert run(capsys, *d, "--bookmarks", str(marks), "bookmarks", "add", "1")[0] == 0
    before = marks.read_bytes()
    marks.chmod(0o444)
    code, _, err = run(capsys, *d, "--bookmarks", str(marks), "bookmarks", "add", "2")
    assert code == 1 and "is read-only" in err, err
    assert marks.read_bytes() == before and (marks.stat().st_mode & 0o777) == 0o444


def test_saving_keeps_the_bookmarks_files_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = stored_articles(capsys, tmp_path)
    marks = tmp_path / "bookmarks.json"
    assert run(capsys, *d, "--bookmarks", str(marks), "bookmarks", "add", "1")[0] == 0
    marks.chmod(0o600)
    assert run(capsys, *d, "--bookmarks", str(marks), "bookmarks", "add", "2")[0] == 0
    assert (marks.stat().st_mode & 0o777) == 0o600
    assert len(json.loads(marks.read_text())["bookmarks"]) == 2


def test_a_folder_in_place_of_the_bookmarks_file_is_never_moved(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = stored_articles(capsys, tmp_path)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    code, out, err = run(capsys, *d, "--bookmarks", str(folder), "bookmarks", "add", "1")
    assert code == 1 and "is a directory" in err and "bookmarked" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "f.xml", "photos"]
    assert (folder / "holiday.jpg").exists()


def test_read_commands_work_on_a_read_only_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, small_disk: Callable[[int], Path]
) -> None:
    data = small_disk(4096)
    d = ["--data-dir", str(data)]
    assert run(capsys, *d, "add", str(big_feed(tmp_path / "f.xml", 3)))[0] == 0
    assert run(capsys, *d, "refresh")[0] == 0
    read_only(data)
    for command in (["feeds"], ["articles"], ["search", "story"], ["show", "1"], ["related", "1"],
                    ["articles", "--count"], ["bookmarks"], ["export", "opml"]):  # fmt: skip
        code, out, err = run(capsys, *d, *command)
        assert code == 0 and (out or command == ["bookmarks"]), (command, err)
    code, _, err = run(capsys, *d, "refresh")
    assert code == 1 and "read-only" in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "²"], "article ids are numbers"),
        (["show", "99999999999999999999999"], "article ids are numbers"),
        (["related", "99999999999999999999999"], "article ids are numbers"),
        (["bookmarks", "add", "99999999999999999999"], "article ids are numbers"),
        (["articles", "--feed", "²"], "no such feed"),
        (["remove", "²"], "no such feed"),
        (["search", "x", "--limit", "99999999999999999999"], "--limit: must be a whole number"),
        (["articles", "--limit", "0"], "--limit: must be a whole number from 1"),
        (["refresh", "--jobs", "0"], "--jobs: must be a whole number from 1 to 256"),
    ],
)
def test_odd_arguments_are_one_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) if "--limit" in args or "--jobs" in args else _no_exit():
        code, _, err = run(capsys, "--data-dir", str(data_dir), *args)
        assert code == 2
    err = err if "err" in locals() else capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


class _no_exit:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_a_data_dir_that_is_a_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine")
    code, _, err = run(capsys, "--data-dir", str(afile), "feeds")
    assert code == 1 and "cannot open store" in err and len(err.strip().splitlines()) == 1, err
    marks = ["--bookmarks", str(afile / "b.json")]
    code, _, err = run(
        capsys, "--data-dir", str(tmp_path / "d"), *marks, "bookmarks", "import", str(afile)
    )
    assert code in (1, 2) and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert afile.read_text() == "mine"


def test_a_store_of_a_newer_schema_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    with Store(data_dir / "newsreader.db") as store:
        store.db.execute("PRAGMA user_version = 99")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "feeds")
    assert code == 1 and "newer newsreader" in err
    assert os.path.exists(data_dir / "newsreader.db")


def test_nonsense_config_values_are_one_line_each(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "concurrency = 0\nper_host_concurrency = -5\nfetch_timeout_seconds = nan\n"
        'max_body_bytes = 0\nuser_agent = "a\\nb"\nmark_read_on_open = "yes"\n'
        '[feeds."https://u:secret@x.example/"]\ntimeout_seconds = -1\nmax_body_bytes = -1\n'
    )
    code, _, err = run(capsys, "--config", str(config), "--data-dir", str(data_dir), "refresh")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 8, err
    expected = [
        "mark_read_on_open = 'yes': must be true or false",
        "fetch_timeout_seconds = nan: must be a number of seconds from 1 to 3600",
        "max_body_bytes = 0: must be a whole number from 1,024 to 1,073,741,824",
        "concurrency = 0: must be a whole number from 1 to 256",
        "per_host_concurrency = -5: must be a whole number from 1 to 64",
        "user_agent = 'a\\nb': must be one line without control characters",
        'feeds."https://***@x.example/".timeout_seconds = -1: must be a number of seconds',
        'feeds."https://***@x.example/".max_body_bytes = -1: must be a whole number',
    ]
    prefix = f"newsreader: config {config}: "
    assert [line.startswith(prefix + text) for line, text in zip(lines, expected, strict=True)] == [
        True
    ] * len(expected), lines
    assert "secret" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["import", "/dev/zero"],
        ["bookmarks", "import", "/dev/zero"],
        ["--config", "/dev/zero", "refresh"],
        ["import", "/proc/self/environ"],
        ["import", "FIFO"],
    ],
)
def test_no_command_reads_a_device_or_a_fifo(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path, args: list[str]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = [str(fifo) if a == "FIFO" else a for a in args]
    code, _, err = run(capsys, "--data-dir", str(data_dir), *args)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "a device" in err or "a FIFO" in err or "system file" in err, err


def test_a_data_dir_with_uri_characters_in_its_name_is_used_as_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "news?mode=ro#x"
    assert run(capsys, "--data-dir", str(data), "add", str(big_feed(tmp_path / "f.xml", 2)))[0] == 0
    assert run(capsys, "--data-dir", str(data), "refresh")[0] == 0
    assert (data / "newsreader.db").is_file()
    assert not (tmp_path / "news").exists()  # SQLite read "?mode=ro#x/…" as the URI's query
    code, out, _ = run(capsys, "--data-dir", str(data), "articles", "--count")
    assert (code, out.strip()) == (0, "2")
