"""An article's full text: its page fetched with the refresh's polite, bounded fetcher (the
same caps, timeouts, User-Agent; http(s) only), the article extracted, stored and indexed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from newsreader.models import NewsreaderError, NoArticleText
from newsreader.text.sanitize import clean_line, is_web_url

if TYPE_CHECKING:
    from newsreader.feeds.fetch import Fetcher, FetchSettings
    from newsreader.sources.fulltext import ExtractedArticle

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def page_article(body: bytes, content_type: str, url: str) -> ExtractedArticle:
    """The article in a fetched page; :class:`NoArticleText` when it is not a web page or
    holds none."""
    from newsreader.sources.fulltext import decode_page, extract_article

    kind = content_type.split(";")[0].strip().lower()
    if kind not in _HTML_TYPES:
        raise NoArticleText(f"the article's link is not a web page ({clean_line(kind)[:60]})")
    return extract_article(decode_page(body, content_type), url)


def extract_page(body: bytes, content_type: str, url: str) -> tuple[str, str, str]:
    """(html, text, error) of a fetched page: :func:`page_article` for a refresh's worker
    processes, which return plain values."""
    try:
        found = page_article(body, content_type, url)
    except NoArticleText as exc:
        return "", "", str(exc)
    return found.html, found.text, ""


async def fill_full_texts(
    wanted: list[tuple[int, str]],
    fetcher: Fetcher,
    run: Callable[..., Awaitable[object]],
    write: Callable[..., Awaitable[object]],
) -> int:
    """For a refresh, after its articles are stored: each wanted article's page fetched (the
    fetcher's per-host cap bounds how many at once), extracted by ``run`` in the refresh's
    workers, stored by ``write``; a failure is recorded on the article. How many succeeded."""
    from newsreader.store import Store

    async def one(article_id: int, url: str) -> bool:
        result = await fetcher.fetch(url)
        if result.status != "ok":
            error = f"cannot fetch the article's page: {result.error or result.status}"
            await write(Store.full_text_failed, article_id, url, error)
            return False
        try:
            done = await run(
                extract_page, result.body, result.content_type, result.final_url or url
            )
        except NewsreaderError as exc:  # the extraction took too long
            await write(Store.full_text_failed, article_id, url, str(exc))
            return False
        assert isinstance(done, tuple)
        html, text, error = done
        if error:
            await write(Store.full_text_failed, article_id, url, error)
            return False
        await write(Store.store_full_text, article_id, result.final_url or url, html, text)
        return True

    done = await asyncio.gather(*(one(i, u) for i, u in wanted if is_web_url(u)))
    return sum(done)


def fetch_article(url: str, settings: FetchSettings) -> ExtractedArticle:
    """The article at ``url``, fetched and extracted; :class:`NoArticleText` says why not."""
    from newsreader.feeds.fetch import Fetcher

    if not is_web_url(url):
        raise NoArticleText(f"no web page to fetch: {clean_line(url)[:120] or 'no link'}")

    async def fetch() -> tuple[bytes, str, str, str]:
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(url)
        return result.body, result.content_type, result.final_url or url, result.error

    body, content_type, final_url, error = asyncio.run(fetch())
    if error:
        raise NoArticleText(f"cannot fetch the article's page: {error}")
    return page_article(body, content_type, final_url)
