"""``newsreader extract``: the article in HTML files or web pages, as the reading pane shows it
or as JSON lines; and the full text behind ``newsreader show ID --full``."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader.cli.common import read_user_file
from newsreader.library.paths import Locations
from newsreader.models import Article, NoArticleText
from newsreader.text.sanitize import clean_line, is_web_url

if TYPE_CHECKING:
    from newsreader.sources.fulltext import ExtractedArticle

MAX_PAGE_BYTES = 10 * 1024 * 1024


def cmd_extract(args: argparse.Namespace, loc: Locations) -> int:
    """Each source in turn; one that yields no article is one line on stderr (exit 1)."""
    from newsreader.library.config import load
    from newsreader.library.fulltext import fetch_article
    from newsreader.library.refresh import options_from_config
    from newsreader.sources.fulltext import decode_page, extract_article

    failed = 0
    settings = None
    for source in args.sources:
        try:
            if is_web_url(source):
                settings = settings or options_from_config(load(loc.config_file)).fetch
                found = fetch_article(source, settings)
            else:
                page = decode_page(read_user_file(source, MAX_PAGE_BYTES))
                url = args.url or Path(source).resolve().as_uri()
                found = extract_article(page, url)
        except NoArticleText as exc:
            print(f"newsreader: {clean_line(source)}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if args.json:
            print(json.dumps(_as_json(source, found), ensure_ascii=False))
        else:
            sys.stdout.write(_as_text(found))
    return 1 if failed else 0


def _as_json(source: str, found: ExtractedArticle) -> dict[str, object]:
    return {
        "source": source,
        "url": found.url,
        "title": found.title,
        "author": found.author,
        "published": found.published,
        "text": found.text,
        "captions": [
            {"text": c.text, "credit": c.credit, "image": c.image_url} for c in found.captions
        ],
        "links": [{"url": url, "text": text} for url, text in found.links],
        "ms": round(found.ms, 1),
    }


def _as_text(found: ExtractedArticle) -> str:
    from newsreader.library.reading import as_text, build_view

    article = Article(
        guid=found.url, title=found.title, url=found.url,
        authors=(found.author,) if found.author else (), published=found.published,
        body=found.html, body_format="html", text=found.text,
    )  # fmt: skip
    width = min(shutil.get_terminal_size((80, 24)).columns, 100)
    return as_text(build_view(article, ""), width)
