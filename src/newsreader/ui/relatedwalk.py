"""Related articles on the main screen: read for the open article in a worker, shown in the
sidebar; ] and [ walk one article's list in order and back; s shows or hides the sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.worker import get_current_worker

from newsreader.models import Article
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import RelatedFound
from newsreader.ui.readerpane import ReaderPane
from newsreader.ui.relatedlist import RelatedList

if TYPE_CHECKING:
    from newsreader.related.rank import RelatedArticle


@dataclass
class RelatedWalk:
    """Where ] and [ are in one article's related list (position -1: that article)."""

    anchor: int  # the article the list is for
    items: list[RelatedArticle]
    position: int = -1

    @property
    def current(self) -> int:
        return self.anchor if self.position < 0 else self.items[self.position].row.id


class RelatedMixin(MainBase):
    """Mixed into the main screen: uses its open article, its reader and its sidebar."""

    @property
    def sidebar(self) -> RelatedList:
        return self.query_one("#related", RelatedList)

    @work(thread=True, exclusive=True, group="related", exit_on_error=False)
    def load_related(self, article: Article) -> None:
        from newsreader.related.rank import also_reported_by, related_articles

        with self.library.reading() as store:
            found = related_articles(store, article, 10)
            feed = store.feed_by_id(article.feed_id)
            waiting = store.related_fingerprint(article.id) is None
        reporters = also_reported_by(found, feed.display_title if feed else "")
        if not get_current_worker().is_cancelled:
            self.post_message(RelatedFound(article, found, reporters, waiting))

    def on_related_found(self, message: RelatedFound) -> None:
        article = message.article
        if self.article is None or self.article.id != article.id:
            return
        walking = self.walk is not None and self.walk.current == article.id
        if not walking:  # a walk's sidebar stays the list being walked
            self.related = message.found
            self.show_related(message.found, waiting=message.waiting)
            self.refresh_bindings()  # ] and [ apply now
        if message.reporters and self.article_view is not None:
            meta = Text(self.article_view.meta)
            meta.append("\nAlso reported by: " + ", ".join(message.reporters), style="italic")
            self.query_one("#reader", ReaderPane).update_meta(meta)

    def show_related(self, found: list[RelatedArticle], *, waiting: bool = False) -> None:
        """``found`` in your feeds, then the links the open article's publisher listed;
        ``waiting``: the article is not in the related index yet."""
        groups = self.article_view.related if self.article_view else ()
        self.sidebar.show(found, groups, waiting=waiting)

    def on_related_list_article_chosen(self, message: RelatedList.ArticleChosen) -> None:
        walk = self.walk or self._start_walk()
        if walk is not None:
            self._walk_to(walk, message.position)

    def on_related_list_link_chosen(self, message: RelatedList.LinkChosen) -> None:
        if message.url:
            self._open_or_copy(message.url)
        else:
            self.notify("the publisher gave no link for this item", markup=False)

    def action_related(self, step: int) -> None:
        """] / [: the next or previous entry of the open article's related list, in order; the
        walk keeps that list (and the sidebar) until another article is opened otherwise."""
        walk = self.walk if self.walk is not None else self._start_walk()
        if walk is None:
            self.notify("no related articles for this article", markup=False)
            return
        position = walk.position + step
        if position < -1:
            self.notify("back at the article the related list is for", markup=False)
        elif position >= len(walk.items):
            self.notify(f"that was the last of {len(walk.items)} related articles", markup=False)
        else:
            self._walk_to(walk, position)

    def _start_walk(self) -> RelatedWalk | None:
        if self.article is None or not self.related:
            return None
        return RelatedWalk(self.article.id, list(self.related))

    def _walk_to(self, walk: RelatedWalk, position: int) -> None:
        """Open entry ``position`` of the walk (-1: the article the list is for)."""
        walk.position = position
        self.walk = walk
        self.load_article(walk.current, mark_read=self.config.mark_read_on_open)

    def action_toggle_sidebar(self) -> None:
        self.panes.toggle_class("-show-related" if self.narrow else "-hide-related")
