"""How the model is kept in rows: an article's extra parts as JSON, its content hash, a list
row, a feed's tags."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from newsreader.models import (
    Article,
    ArticleRow,
    Caption,
    Enclosure,
    RelatedLink,
    SourceKind,
    SourceRef,
)
from newsreader.text.sanitize import clean_line, redact_credentials

ROW_COLUMNS = (
    "a.id, a.feed_id, CASE WHEN f.user_title != '' THEN f.user_title "
    "WHEN f.title != '' THEN f.title ELSE f.url END, "
    "a.title, a.url, a.published, a.read, a.sort_key"
)


def json_list(value: str) -> tuple[str, ...]:
    try:
        data = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(v) for v in data) if isinstance(data, list) else ()


def extra_to_json(article: Article) -> str:
    return json.dumps(
        {
            "captions": [[c.text, c.credit, c.image_url, c.alt] for c in article.captions],
            "sources": [[s.kind.value, s.name, s.url, s.place] for s in article.sources],
            "related": [
                [r.title, r.url, r.label, r.summary, r.group] for r in article.related_links
            ],
            "categories": list(article.categories),
            "enclosures": [[e.url, e.type, e.length] for e in article.enclosures],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def extra_from_json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    sources = []
    for s in data.get("sources", []):
        try:
            sources.append(SourceRef(SourceKind(s[0]), s[1], s[2], s[3]))
        except (ValueError, IndexError, TypeError):
            continue
    return {
        "captions": tuple(Caption(*c[:4]) for c in data.get("captions", [])),
        "sources": tuple(sources),
        "related_links": tuple(RelatedLink(*r[:5]) for r in data.get("related", [])),
        "categories": tuple(data.get("categories", [])),
        "enclosures": tuple(Enclosure(*e[:3]) for e in data.get("enclosures", [])),
    }


def content_hash(article: Article, extra_json: str) -> str:
    """A hash of what is stored of ``article`` (``extra_json``: its :func:`extra_to_json`)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (article.title, article.url, article.body, article.summary, extra_json):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    digest.update(repr((article.published, article.updated, article.authors)).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=4096)
def _shown_feed_title(title: str) -> str:
    """A row's feed title: the feed's URL when it has no title, which may hold credentials
    (and, in a store from before the sanitiser saw paths, escapes). A list repeats a few."""
    return redact_credentials(clean_line(title))


def list_row(r: Sequence[Any]) -> ArticleRow:
    return ArticleRow(
        id=r[0], feed_id=r[1], feed_title=_shown_feed_title(r[2]), title=r[3], url=r[4],
        published=r[5], read=bool(r[6]), sort_key=r[7],
    )  # fmt: skip
