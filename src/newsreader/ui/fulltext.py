"""e: the article's full text, extracted from its page in a worker, in place of the feed's
text; e again goes back. The feed's text stays on screen until the page is read; a page that
yields no article says why in one line and changes nothing."""

from __future__ import annotations

from dataclasses import replace

from textual import work
from textual.worker import get_current_worker

from newsreader.models import Article, NoArticleText
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import FullTextFailed, FullTextReady
from newsreader.ui.readerpane import LayoutRequest, ReaderPane, ready_article

FROM_PAGE = "full text · extracted"
FROM_FEED = "from feed"


class FullTextMixin(MainBase):
    """Mixed into the main screen: uses its open article and its reader."""

    full_text_of: int = 0  # the open article's id while its page's text is shown

    def action_full_text(self) -> None:
        article = self.article
        if article is None or article.id <= 0:
            self.notify("open a stored article first: e reads its page", markup=False)
            return
        reader = self.query_one("#reader", ReaderPane)
        request = self._layout_request(reader)
        if self.full_text_of == article.id:  # back to the feed's text
            self._full_text(article, request, back=True)
            return
        self.status(f"reading the article's page: {article.url or 'no link'}")
        self._full_text(article, request, back=False)

    @work(thread=True, exclusive=True, group="full_text", exit_on_error=False)
    def _full_text(self, article: Article, layout: LayoutRequest, back: bool) -> None:
        shown = article
        if not back:
            try:
                stored = self.library.full_text(article.id)
            except NoArticleText as exc:
                self.post_message(FullTextFailed(article.id, str(exc)))
                return
            if stored is None:
                return
            shown = replace(article, body=stored.html, body_format="html", text=stored.text)
        with self.library.reading() as store:
            feed = store.feed_by_id(article.feed_id)
        title = feed.display_title if feed else ""
        note = FROM_FEED if back else FROM_PAGE
        ready = ready_article(article, title, layout, shown=shown, note=note)
        if not get_current_worker().is_cancelled:
            self.post_message(FullTextReady(ready, from_page=not back))

    def on_full_text_ready(self, message: FullTextReady) -> None:
        ready = message.ready
        if self.article is None or self.article.id != ready.article.id:
            return  # another article was opened meanwhile
        reader = self.query_one("#reader", ReaderPane)
        above = reader.scroll_y / max(1, reader.max_scroll_y)  # where the reader was, as a part
        self.article_view = ready.view
        reader.show(ready.parts, ready.prepared)
        reader.scroll_to(y=round(above * reader.max_scroll_y), animate=False)
        self.full_text_of = ready.article.id if message.from_page else 0
        self.status(FROM_PAGE if message.from_page else f"the feed's text ({FROM_FEED})")
        self.refresh_bindings()  # 1-9 follow the links of what is shown

    def on_full_text_failed(self, message: FullTextFailed) -> None:
        if self.article is not None and self.article.id == message.article_id:
            self.status(message.text)
            self.notify(message.text, severity="warning", markup=False)
