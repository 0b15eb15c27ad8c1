"""Full-text extraction scored on the two public benchmarks in ../shared/fulltext, each by
its own scorer: the ScrapingHub article-extraction benchmark (181 pages, shingle F1 over the
set) and WCXB's development articles (711 pages, mean per-page word F1).

    python3 bench/eval_fulltext.py [--jobs 2] [--limit N]

Each page goes through what the reader does with a fetched page (``decode_page`` then
``extract_article``); the text scored is the article's text as the reading pane shows it.
Times are per page, on one core (each worker process is one). The page texts belong to their
publishers: they are read from ../shared, never copied.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fulltext"


def _scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.parent.name + "_evaluate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _extract(job: tuple[str, str, str]) -> tuple[str, str, str, float, int, str]:
    """(benchmark, page id, text, ms, captions, error) for one page."""
    import time
    import warnings

    from newsreader.models import NoArticleText
    from newsreader.sources.fulltext import decode_page, extract_article

    warnings.filterwarnings("ignore")
    bench, page_id, path = job
    started = time.perf_counter()
    with gzip.open(path) as compressed:
        page = decode_page(compressed.read())
    try:
        found = extract_article(page, "")
    except NoArticleText as exc:
        return bench, page_id, "", (time.perf_counter() - started) * 1000, 0, str(exc)
    return (
        bench,
        page_id,
        found.text,
        (time.perf_counter() - started) * 1000,
        len(found.captions),
        "",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="pages per benchmark (0: all)")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"no benchmarks at {SHARED}", file=sys.stderr)
        return 2
    jobs = []
    for bench, folder in (("aeb", "aeb"), ("wcxb", "wcxb-dev-articles")):
        pages = sorted((SHARED / folder / "html").glob("*.html.gz"))
        if args.limit:
            pages = pages[: args.limit]
        jobs += [(bench, p.name.split(".")[0], str(p)) for p in pages]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_extract, jobs, chunksize=8))

    aeb = _scorer(SHARED / "aeb" / "evaluate.py")
    wcxb = _scorer(SHARED / "wcxb-dev-articles" / "evaluate.py")
    truth = json.loads((SHARED / "aeb" / "ground-truth.json").read_text())
    predicted: dict[str, dict[str, Any]] = {}
    word_f1: list[float] = []
    for bench, page_id, text, _ms, _captions, _error in results:
        if bench == "aeb":
            predicted[page_id] = {"articleBody": text}
        else:
            gt = json.loads(
                (SHARED / "wcxb-dev-articles" / "ground-truth" / f"{page_id}.json").read_text()
            )
            reference = (gt.get("ground_truth") or {}).get("main_content", "") or ""
            word_f1.append(wcxb.word_f1(text, reference)[2])
    truth = {k: v for k, v in truth.items() if k in predicted}
    aeb_f1 = aeb.evaluate(truth, predicted, 0)["f1"]
    times = sorted(r[3] for r in results)
    print(f"ScrapingHub AEB ({len(predicted)} pages): F1 {aeb_f1:.4f}")
    print(f"WCXB dev articles ({len(word_f1)} pages): F1 {statistics.mean(word_f1):.4f}")
    p90 = times[int(len(times) * 0.9)]
    print(f"per page: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms")
    captions, empty = sum(r[4] for r in results), sum(1 for r in results if r[5])
    print(f"captions kept: {captions}; no article found: {empty}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
