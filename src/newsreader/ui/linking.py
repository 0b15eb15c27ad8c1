"""What a key acts on, and its links: o opens (http(s) only; over SSH or with no display the
link is copied by OSC 52 instead), y copies, 1-9 open the article's numbered links."""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

from newsreader.text.phrases import counted
from newsreader.text.sanitize import clean_line, is_web_url
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.mainbase import MainBase


class Target(NamedTuple):
    """The article a key acts on (:meth:`LinksMixin._target`)."""

    id: int
    url: str
    read: bool
    feed_id: int
    title: str


class LinksMixin(MainBase):
    """Mixed into the main screen: uses its list, open article and the app's URL opener."""

    def _target(self) -> Target | None:
        """What a key acts on: the row under the cursor while the list has the focus, else
        the open article (the reader or the related pane has the focus, or fills the screen)."""
        article = self.article
        if article is not None and not isinstance(self.focused, ArticleList):
            return Target(article.id, article.url, article.read, article.feed_id, article.title)
        row = self._current_row()
        if row is None:
            return None
        return Target(row.id, row.url, row.read, row.feed_id, row.title)

    def _target_url(self) -> str | None:
        """The link of what the keys act on; None, and said, when it has none."""
        target = self._target()
        if target is not None and target.url:
            return target.url
        if target is not None:
            self.notify(f"this article has no link: {target.title}", markup=False)
        return None

    def action_open_browser(self) -> None:
        url = self._target_url()
        if url:
            self._open_or_copy(url)

    def _open_or_copy(self, url: str) -> None:
        if not is_web_url(url):
            self.notify(
                f"not opened: only http(s) links open ({clean_line(url)[:80]})",
                severity="warning",
                markup=False,
            )
            return
        if _remote_or_headless():
            self.app.copy_to_clipboard(url)
            self.notify(f"no browser here: link copied (OSC 52)\n{url}", markup=False, timeout=8)
            return
        self.app.open_url_hook(url)
        self.notify(f"opening {url}", markup=False)

    def action_copy_link(self) -> None:
        url = self._target_url()
        if url:
            self.app.copy_to_clipboard(url)
            self.notify(f"copied\n{url}", markup=False, timeout=8)

    def action_open_link(self, number: int) -> None:
        if self.article_view is None:
            return
        links = self.article_view.links
        if 1 <= number <= len(links):
            self._open_or_copy(links[number - 1][0])
        else:
            self.notify(f"this article has {counted(len(links), 'numbered link')}", markup=False)


def _remote_or_headless() -> bool:
    """Over SSH, or on a Linux box with no display: no browser can start here."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return True
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False
