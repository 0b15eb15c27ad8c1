"""Articles: list, search, show and related, as lines or JSON."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import replace

from newsreader.cli.common import (
    article_json,
    open_library,
    print_json,
    print_rows,
    row_json,
)
from newsreader.library.paths import Locations
from newsreader.models import ArticleRow, ViewFilter


def cmd_articles(args: argparse.Namespace, loc: Locations) -> int:
    library = open_library(loc)
    saved = None
    if args.saved:
        from newsreader.library.config import load
        from newsreader.library.saved import find_saved

        saved = library.saved_view(find_saved(load(loc.config_file).raw, args.saved)).filter
    with library.reading() as store:
        if saved is not None:
            feed = store.find_feed(args.feed).id if args.feed else saved.feed_id
            view = replace(saved, feed_id=feed, unread_only=args.unread or saved.unread_only)
        else:
            feed_id = store.find_feed(args.feed).id if args.feed else None
            view = ViewFilter(feed_id=feed_id, unread_only=args.unread)
        if args.count:
            print(store.count(view))
            return 0
        rows: list[ArticleRow] = []
        cursor = None
        while len(rows) < args.limit:
            page = store.page(after=cursor, limit=min(500, args.limit - len(rows)), view=view)
            rows.extend(page.rows)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    if args.json:
        print_json([row_json(r) for r in rows])
    else:
        print_rows(rows)
    return 0


def cmd_search(args: argparse.Namespace, loc: Locations) -> int:
    rows, pending = open_library(loc).search(args.query, args.limit)
    if pending:
        print(f"note: {pending} articles are not indexed yet", file=sys.stderr)
    if args.json:
        print_json([row_json(r) for r in rows])
    else:
        print_rows(rows)
        if not rows:
            print("no matches", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.reading import as_text, build_view, complete_article

    library = open_library(loc)
    article, feed = library.article(args.id)
    feed_title = feed.display_title if feed else ""
    if args.full:  # the page's text in place of the feed's (NoArticleText: one line, exit 1)
        from dataclasses import replace

        stored = library.full_text(article.id)
        if stored is not None:
            article = replace(article, body=stored.html, body_format="html", text=stored.text)
    if args.json:
        print_json(article_json(complete_article(article), feed_title))
    else:
        width = min(shutil.get_terminal_size((80, 24)).columns, 100)
        sys.stdout.write(as_text(build_view(article, feed_title), width))
    return 0


def cmd_related(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.related.rank import also_reported_by

    library = open_library(loc)
    for article_id in args.ids:
        article, feed = library.article(article_id)
        found = library.related(article, args.limit)
        if args.json:
            payload = {
                "id": article.id,
                "related": [
                    {
                        **row_json(r.row),
                        "score": r.score,
                        "reason": r.reason,
                        "same_story": r.same_story,
                        "also_in": [{"id": c.id, "feed": c.feed_title} for c in r.copies],
                    }
                    for r in found
                ],
            }
            print(json.dumps(payload, ensure_ascii=False), flush=True)
            continue
        print(f"{article.id}: {article.title}")
        if not found and library.waits_for_related_index(article.id):
            print("  not in the related index yet: 'newsreader index' or the next refresh adds it")
        for item in found:
            also = f"  also in {', '.join(item.also_in)}" if item.also_in else ""
            print(
                f"  {item.row.id:>7}  {item.score:6.3f}  {item.row.title}"
                f"  [{item.row.feed_title}] ({item.reason}){also}"
            )
        reporters = also_reported_by(found, feed.display_title if feed else "")
        if reporters:
            print(f"  Also reported by: {', '.join(reporters)}")
        if article.related_links:
            print("  From the publisher:")
        for link in article.related_links:
            label = f"{link.label}: " if link.label else ""
            print(f"  {'':>7}  {label}{link.title}  {link.url}")
    return 0
