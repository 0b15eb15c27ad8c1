"""An article's full text: its page fetched with the refresh's polite, bounded fetcher (the
same caps, timeouts, User-Agent; http(s) only), the article extracted, stored and indexed."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from newsreader.models import NoArticleText
from newsreader.text.sanitize import clean_line, is_web_url

if TYPE_CHECKING:
    from newsreader.feeds.fetch import FetchSettings
    from newsreader.sources.fulltext import ExtractedArticle

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def fetch_article(url: str, settings: FetchSettings) -> ExtractedArticle:
    """The article at ``url``, fetched and extracted; :class:`NoArticleText` says why not."""
    from newsreader.feeds.fetch import Fetcher
    from newsreader.sources.fulltext import decode_page, extract_article

    if not is_web_url(url):
        raise NoArticleText(f"no web page to fetch: {clean_line(url)[:120] or 'no link'}")

    async def fetch() -> tuple[bytes, str, str, str]:
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(url)
        return result.body, result.content_type, result.final_url or url, result.error

    body, content_type, final_url, error = asyncio.run(fetch())
    if error:
        raise NoArticleText(f"cannot fetch the article's page: {error}")
    kind = content_type.split(";")[0].strip().lower()
    if kind not in _HTML_TYPES:
        raise NoArticleText(f"the article's link is not a web page ({clean_line(kind)[:60]})")
    return extract_article(decode_page(body, content_type), final_url)
