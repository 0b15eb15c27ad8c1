"""The core never imports the UI: every core module is imported in a fresh interpreter and
neither textual nor rich may appear in sys.modules."""

import subprocess
import sys
from pathlib import Path

import newsreader

UI_ENTRY_POINTS = {"newsreader.cli", "newsreader.__main__"}  # they import the UI lazily


def run_python(code: str) -> str:
    """``code``'s output in a fresh interpreter, which must exit 0."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def core_modules() -> list[str]:
    root = Path(newsreader.__file__).parent
    names = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(("newsreader", *parts)).removesuffix(".__init__")
        if name not in UI_ENTRY_POINTS and parts[0] != "ui" and "demo" not in parts:
            names.append(name)
    return sorted(names)


def test_core_modules_do_not_import_textual_or_rich() -> None:
    modules = core_modules()
    assert "newsreader.store" in modules and "newsreader.feeds.parse" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    imported = run_python(code)
    assert imported == "", f"core imported UI modules: {imported}"


def test_importing_the_package_and_cli_loads_no_ui() -> None:
    code = (
        "import sys, newsreader, newsreader.cli\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    assert run_python(code) == ""


def test_the_command_line_loads_a_command_only_when_it_runs() -> None:
    """``newsreader --version`` (and the parser every command builds first) loads none of the
    store, the parsers, the rules' regex engine or another command's module; a command loads
    its own, and a store query not the feed parsers."""
    heavy = ("newsreader.store", "newsreader.feeds", "newsreader.library.opml", "regex")
    commands = ("articles", "bookmarking", "extracting", "refreshing", "subscriptions")
    code = (
        "import sys\n"
        "from newsreader.cli.main import build_parser\n"
        "build_parser().parse_args(['articles', '--count'])\n"
        f"heavy = {heavy!r} + tuple('newsreader.cli.' + c for c in {commands!r})\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    assert run_python(code) == ""
    code = (
        "import contextlib, io, os, sys, tempfile\n"
        "from newsreader.cli import main\n"
        "with tempfile.TemporaryDirectory() as data, contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--data-dir', data, 'articles', '--count']) == 0\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('newsreader.feeds',"
        " 'newsreader.cli.refreshing', 'regex')))))\n"
    )
    assert run_python(code) == ""


def test_the_reader_and_every_core_module_load_no_extractor() -> None:
    """The article extractors (a tenth of a second and more to import) load when a page is
    read, never with the reader's first screen or a module that does not extract."""
    modules = [*core_modules(), "newsreader.ui.app", "newsreader.ui.mainscreen"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "heavy = ('trafilatura', 'readability', 'resiliparse', 'justext', 'lxml_html_clean')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    assert run_python(code) == ""


def test_a_refresh_imports_httpx_without_its_command_line() -> None:
    """httpx's ``httpx`` command (click, pygments, rich) is more than half of its import."""
    code = (
        "import sys\n"
        "from newsreader.feeds.httpximport import import_httpx\n"
        "httpx = import_httpx()\n"
        "import httpx_aiohttp\n"
        "cli = ('click', 'pygments', 'rich')\n"
        "extra = sorted(m for m in sys.modules if m.split('.')[0] in cli)\n"
        "try:\n"
        "    httpx.main()\n"
        "except RuntimeError as exc:\n"
        "    print(httpx.AsyncClient.__name__, extra, exc)\n"
    )
    assert run_python(code).startswith("AsyncClient [] httpx's command line is not loaded")


def test_the_refresh_warm_up_loads_the_http_stack_once() -> None:
    """``newsreader refresh`` imports httpx and aiohttp and loads the CA store on a thread while
    it opens the store; the fetcher then finds them ready (the same TLS context, made once)."""
    code = (
        "import sys\n"
        "from newsreader.feeds import fetch\n"
        "fetch.warm_up().join()\n"
        "loaded = all(m in sys.modules for m in ('httpx', 'aiohttp', 'httpx_aiohttp'))\n"
        "cli = ('click', 'pygments', 'rich')\n"
        "extra = sorted(m for m in sys.modules if m.split('.')[0] in cli)\n"
        "made = len(fetch._ssl_made)  # by the warm-up, before the fetcher asks\n"
        "print(loaded, extra, made, fetch._ssl_context() is fetch._ssl_made[0])\n"
    )
    assert run_python(code) == "True [] 1 True"


def test_only_ui_tests_import_the_ui() -> None:
    """``pytest -m "not ui"`` runs without Textual: a test module that imports textual, rich
    or ``newsreader.ui`` is marked ``ui`` as a whole."""
    import ast

    wrong = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        source = path.read_text()
        if "pytestmark = pytest.mark.ui" in source or "pytest.mark.ui," in source:
            continue
        for node in ast.walk(ast.parse(source)):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            wrong += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] in {"textual", "rich"} or name.startswith("newsreader.ui")
            ]
    assert wrong == []


def test_ui_workers_end_in_messages() -> None:
    """A thread worker posts what it found (``post_message``): ``call_from_thread`` would hold
    it until the UI has run the callback, and a busy screen would slow every worker."""
    import ast

    calling = []
    for path in sorted((Path(newsreader.__file__).parent / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "call_from_thread":
                calling.append(f"{path.name}:{node.lineno}")
    assert calling == []
