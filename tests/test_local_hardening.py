"""Local sources, hardened: nothing outside the folder is read, no file name reaches the
terminal raw, every read is bounded, and what is skipped is said. Real files, links and FIFOs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.sources import local
from newsreader.sources.local import read_directory
from newsreader.sources.safefiles import MAX_DEPTH

ESC_TITLE = "\x1b]0;owned\x07"


def article(path: Path, title: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\nBody of {title}.\n", encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_a_folder_never_reads_through_a_link_out_of_it(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("SECRET=hunter2\n\nbody\n")
    folder = tmp_path / "news"
    article(folder / "kept.txt", "Kept story")
    article(folder / "sub" / "inner.txt", "Inner story")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "environ.txt").symlink_to("/proc/self/environ")
    (folder / "secret.txt").symlink_to(outside)
    (folder / "inside-link.txt").symlink_to(folder / "kept.txt")
    (folder / "etc").symlink_to("/etc")  # a linked folder is never entered
    (folder / "loop").symlink_to(folder)
    os.mkfifo(folder / "pipe.txt")
    parsed = read_directory(folder)
    titles = sorted(a.title for a in parsed.articles)
    assert titles == ["Inner story", "Kept story", "Kept story"]
    assert "3 links out of the folder were not followed" in parsed.warnings
    assert "1 entries are not regular files (FIFOs, devices)" in parsed.warnings
    assert not any("hunter2" in a.title + a.text or "root:" in a.text for a in parsed.articles)


@pytest.mark.parametrize("source", ["/dev/zero", "/proc/self/environ", "/proc/self", "fifo"])
def test_devices_fifos_and_proc_are_no_sources(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path, source: str
) -> None:
    if source == "fifo":
        source = str(tmp_path / "feed.xml")
        os.mkfifo(source)
    code, out = run(capsys, "--data-dir", str(data_dir), "add", source)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert "is not a source" in out or "not a file or folder" in out


def test_a_fifo_swapped_in_for_a_feed_file_fails_at_once(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><title>T</title></channel></rss>")
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "add", str(feed))[0] == 0
    feed.unlink()
    os.mkfifo(feed)
    code, out = run(capsys, *d, "refresh")
    assert code == 1 and "cannot read" in out and "a FIFO" in out, out


def test_a_feed_file_over_the_body_cap_is_refused(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "big.xml"
    with feed.open("wb") as handle:
        handle.write(b"<rss version='2.0'><channel><title>T</title>")
        handle.truncate(11 * 1024 * 1024)  # sparse: no disk used
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "add", str(feed))[0] == 0
    code, out = run(capsys, *d, "refresh")
    assert code == 1 and "file too large (> 10 MiB)" in out, out


def test_escape_sequences_in_file_and_folder_names_never_reach_the_output(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / f"news{ESC_TITLE}"
    article(folder / f"a{ESC_TITLE}.txt", "Good title")
    (folder / f"b{ESC_TITLE}.json").write_text("{not json")
    link = tmp_path / "plain-link"
    link.symlink_to(folder)
    d = ["--data-dir", str(data_dir)]
    for source in (str(folder), str(link), "."):
        monkeypatch.chdir(folder)
        code, out = run(capsys, *d, "add", source)
        assert code == 2 and "\x1b" not in out and "\x07" not in out, out
        assert "control or invisible characters" in out
    # a folder whose files carry escapes in their names: the warnings and ids are clean
    clean = tmp_path / "clean"
    article(clean / f"a{ESC_TITLE}.txt", "Good title")
    (clean / f"b{ESC_TITLE}.json").write_text("{not json")
    assert run(capsys, *d, "add", str(clean))[0] == 0
    outputs = [run(capsys, *d, "refresh")[1]]
    for command in (["feeds"], ["articles"], ["articles", "--json"], ["show", "1", "--json"]):
        outputs.append(run(capsys, *d, *command)[1])
    joined = "".join(outputs)
    assert "\x1b" not in joined and "\x07" not in joined
    assert "b.json: " in joined  # the warning names the file, its escape removed


def test_a_deep_folder_and_a_crowded_one_load_what_they_can_and_say_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / "deep"
    levels = [deep]
    for depth in range(1000):  # deeper than Python's recursion limit
        levels.append(levels[-1] / "d")
        levels[-1].mkdir(parents=depth == 0)
        if depth in (3, MAX_DEPTH - 1, MAX_DEPTH + 3):
            article(levels[-1] / "story.txt", f"Story at {depth + 1}")
    try:
        parsed = read_directory(deep)
    finally:  # pytest's clean-up recurses: take the chain down from the bottom
        for level in reversed(levels[1:]):
            (level / "story.txt").unlink(missing_ok=True)
            level.rmdir()
    assert sorted(a.title for a in parsed.articles) == ["Story at 16", "Story at 4"]
    assert f"1 folders more than {MAX_DEPTH} levels down were skipped" in parsed.warnings

    monkeypatch.setattr(local, "MAX_FILES", 40)  # the cap's behaviour, without 10,000 files
    crowded = tmp_path / "crowded"
    crowded.mkdir()
    for i in range(100):
        (crowded / f"{i:06}.json").write_text(json.dumps({"title": f"t{i}"}))
    parsed = read_directory(crowded)
    assert [a.title for a in parsed.articles] == [f"t{i}" for i in range(40)]
    assert "only the first 40 of 100 article files were read" in parsed.warnings


def test_an_empty_source_is_refused(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out = run(capsys, "--data-dir", str(data_dir), "add", "")
    assert code == 2 and "the source is empty" in out
    code, out = run(capsys, "--data-dir", str(data_dir), "add", "   ")
    assert code == 2 and "the source is empty" in out
