"""Bookmarks exported to and imported from the formats other tools read: HTML (the browsers'
bookmark file), Markdown, JSON."""

from __future__ import annotations

import time
from collections.abc import Sequence

from newsreader.bookmarks.codec import dumps, parse
from newsreader.models import Bookmark
from newsreader.text.sanitize import clean_line, clean_url


def _html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def export(bookmarks: Sequence[Bookmark], fmt: str) -> str:
    """``md`` (a reading list with captions and sources), ``html`` (the same as a page),
    ``json`` (this file's format) or ``netscape`` (the bookmark file browsers import)."""
    if fmt == "json":
        return dumps(bookmarks)
    if fmt == "netscape":
        lines = [
            "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
            '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
            "<TITLE>Bookmarks</TITLE>",
            "<H1>Bookmarks</H1>",
            "<DL><p>",
        ]
        for b in bookmarks:
            tags = f' TAGS="{_html(",".join(b.tags))}"' if b.tags else ""
            lines.append(
                f'    <DT><A HREF="{_html(b.url)}" ADD_DATE="{int(b.saved_at)}"{tags}>'
                f"{_html(b.title)}</A>"
            )
            if b.note or b.summary:
                lines.append(f"    <DD>{_html(b.note or b.summary)}")
        lines.append("</DL><p>")
        return "\n".join(lines) + "\n"
    if fmt == "md":
        out = ["# Reading list", ""]
        for b in bookmarks:
            out.append(f"## [{_md(b.title)}](<{b.url}>)")
            meta = " · ".join(p for p in (b.feed_title, b.author, _date(b.published)) if p)
            if meta:
                out.append(f"*{_md(meta)}*")
            out.append("")
            if b.summary:
                out += [_md(b.summary), ""]
            for c in b.captions:
                credit = f" — {_md(c.credit)}" if c.credit else ""
                words = f": {_md(c.text or c.alt)}" if c.text or c.alt else ""
                out.append(f"> Image{words}{credit}")
            if b.captions:
                out.append("")
            for s in b.sources:
                place = f" ({_md(s.place)})" if s.place else ""
                link = f" <{s.url}>" if s.url else ""
                out.append(f"- {s.kind.value}: {_md(s.name)}{place}{link}")
            if b.tags:
                out.append(f"- tags: {_md(', '.join(b.tags))}")
            if b.note:
                out.append(f"- note: {_md(b.note)}")
            out.append("")
        return "\n".join(out)
    if fmt == "html":
        out = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8"><title>Reading list</title>',
               "</head><body>", "<h1>Reading list</h1>"]  # fmt: skip
        for b in bookmarks:
            out.append(f'<article><h2><a href="{_html(b.url)}">{_html(b.title)}</a></h2>')
            meta = " · ".join(p for p in (b.feed_title, b.author, _date(b.published)) if p)
            out.append(f"<p><em>{_html(meta)}</em></p>")
            if b.summary:
                out.append(f"<p>{_html(b.summary)}</p>")
            for c in b.captions:
                credit = f" — {_html(c.credit)}" if c.credit else ""
                out.append(
                    f"<figure><figcaption>{_html(c.text or c.alt)}{credit}</figcaption></figure>"
                )
            if b.sources:
                items = "".join(
                    f"<li>{_html(s.kind.value)}: {_html(s.name or s.url)}</li>" for s in b.sources
                )
                out.append(f"<ul>{items}</ul>")
            out.append("</article>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown export format {fmt!r}")


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def _date(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch)) if epoch else ""


def import_file(data: bytes, name: str) -> list[Bookmark]:
    """Our JSON format, or a Netscape bookmark file (as browsers export it)."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"{") or head.startswith(b"["):
        return parse(data, name).bookmarks
    from html.parser import HTMLParser

    found: list[Bookmark] = []

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.current: dict[str, str] | None = None
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.current = {k: v or "" for k, v in attrs}
                self.text = []

        def handle_data(self, data: str) -> None:
            if self.current is not None:
                self.text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.current is not None:
                url = clean_url(self.current.get("href", ""))
                if url:
                    added = self.current.get("add_date", "")
                    tags = [t for t in self.current.get("tags", "").split(",") if t.strip()]
                    found.append(
                        Bookmark(
                            url=url,
                            title=clean_line("".join(self.text)) or url,
                            saved_at=float(added)
                            if added.isascii() and added.isdigit()
                            else time.time(),
                            tags=tuple(clean_line(t) for t in tags),
                        )
                    )
                self.current = None

    reader = Reader()
    reader.feed(data.decode("utf-8", "replace"))
    reader.close()
    return found
