"""An article's full text: its page fetched with the refresh's polite, bounded fetcher (the
same caps, timeouts, User-Agent; http(s) only), the article extracted, stored and indexed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from newsreader.models import NewsreaderError, NoArticleText, RedirectPage
from newsreader.sources.redirects import MAX_HOPS, decoded_link, page_redirect
from newsreader.text.sanitize import clean_line, is_web_url

if TYPE_CHECKING:
    from newsreader.feeds.fetch import Fetcher, FetchSettings
    from newsreader.sources.fulltext import ExtractedArticle

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def page_article(body: bytes, content_type: str, url: str) -> ExtractedArticle:
    """The article in a fetched page; :class:`NoArticleText` when it is not a web page or
    holds none, :class:`RedirectPage` when it holds none but sends the browser on."""
    from newsreader.sources.fulltext import decode_page, extract_article

    kind = content_type.split(";")[0].strip().lower()
    if kind not in _HTML_TYPES:
        raise NoArticleText(f"the article's link is not a web page ({clean_line(kind)[:60]})")
    page = decode_page(body, content_type)
    try:
        return extract_article(page, url)
    except NoArticleText:
        target = page_redirect(page, url)
        if target:
            raise RedirectPage(target) from None
        raise


def extract_page(body: bytes, content_type: str, url: str) -> tuple[str, str, str, str]:
    """(html, text, error, redirect) of a fetched page: :func:`page_article` for a refresh's
    worker processes, which return plain values."""
    try:
        found = page_article(body, content_type, url)
    except RedirectPage as exc:
        return "", "", str(exc), exc.target
    except NoArticleText as exc:
        return "", "", str(exc), ""
    return found.html, found.text, "", ""


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

    async def one(article_id: int, link: str) -> bool:
        url = decoded_link(link)
        for _hop in range(MAX_HOPS + 1):
            result = await fetcher.fetch(url)
            if result.status != "ok":
                error = f"cannot fetch the article's page: {result.error or result.status}"
                await write(Store.full_text_failed, article_id, link, error)
                return False
            url = result.final_url or url
            try:
                done = await run(extract_page, result.body, result.content_type, url)
            except NewsreaderError as exc:  # the extraction took too long
                await write(Store.full_text_failed, article_id, link, str(exc))
                return False
            assert isinstance(done, tuple)
            html, text, error, redirect = done
            if not redirect:
                break
            url = redirect
        if error:
            await write(Store.full_text_failed, article_id, link, error)
            return False
        await write(Store.store_full_text, article_id, url, html, text)
        return True

    done = await asyncio.gather(*(one(i, u) for i, u in wanted if is_web_url(u)))
    return sum(done)


def fetch_article(url: str, settings: FetchSettings) -> ExtractedArticle:
    """The article at ``url``, fetched and extracted; :class:`NoArticleText` says why not."""
    from newsreader.feeds.fetch import Fetcher

    if not is_web_url(url):
        raise NoArticleText(f"no web page to fetch: {clean_line(url)[:120] or 'no link'}")

    async def fetch() -> ExtractedArticle:
        address = decoded_link(url)
        async with Fetcher(settings) as fetcher:
            for hop in range(MAX_HOPS + 1):
                result = await fetcher.fetch(address)
                if result.error or result.status != "ok":
                    error = result.error or result.status
                    raise NoArticleText(f"cannot fetch the article's page: {error}")
                try:
                    return page_article(
                        result.body, result.content_type, result.final_url or address
                    )
                except RedirectPage as exc:
                    if hop == MAX_HOPS:
                        raise NoArticleText(
                            "no article text found (too many redirect pages)"
                        ) from None
                    address = exc.target
        raise AssertionError("unreachable")

    return asyncio.run(fetch())
