"""From raw fields (any parser, any source) to one sanitised, bounded :class:`Article`.

Every source kind (feedparser, JSON Feed, local files) ends here, so the caps, the date rules,
the stable ids, the captions and the sources are the same whatever the input.
"""

from __future__ import annotations

import calendar
import hashlib
import html.entities
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from newsreader.models import Article, Caption, Enclosure, RelatedLink, SourceKind, SourceRef
from newsreader.text.htmldoc import absolute_links, looks_like_html, quick_text, text_blocks
from newsreader.text.sanitize import clean_line, clean_text, clean_url, is_web_url

MAX_TITLE = 1_000
MAX_BODY = 1_000_000
MAX_SUMMARY = 2_000
MAX_ITEMS = 1_000
MAX_ENCLOSURES = 50
MAX_CATEGORIES = 50
MAX_CAPTIONS = 100
MAX_LINKS = 500
_EARLIEST = 0.0  # 1970-01-01
_IMAGE_TYPES = ("image/",)


def plausible_time(value: float | None, now: float | None = None) -> float | None:
    """Epoch seconds, or None for a date before 1970 or after tomorrow (a typo or a trap)."""
    if value is None:
        return None
    limit = (now if now is not None else time.time()) + 86_400
    return float(value) if _EARLIEST <= value <= limit else None


def struct_to_epoch(value: time.struct_time | None) -> float | None:
    if value is None:
        return None
    try:
        return plausible_time(calendar.timegm(value))
    except (OverflowError, ValueError, TypeError):
        return None


_PERIOD_MINUTES = {"hourly": 60, "daily": 1440, "weekly": 10080, "monthly": 43200, "yearly": 525600}


def ttl_minutes(ttl: str, period: str = "", frequency: str = "") -> int | None:
    """The shortest polling interval a feed asks for: RSS ``<ttl>`` (minutes), else
    ``sy:updatePeriod`` divided by ``sy:updateFrequency``; capped at a week."""
    ttl = ttl.strip()
    if ttl.isascii() and ttl.isdigit():
        return min(int(ttl), 7 * 24 * 60)
    minutes = _PERIOD_MINUTES.get(period.strip().lower())
    if minutes is None:
        return None
    frequency = frequency.strip()
    divisor = (
        int(frequency) if frequency.isascii() and frequency.isdigit() and int(frequency) > 0 else 1
    )
    return max(1, minutes // divisor)


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest[:32]


def title_from_text(text: str, limit: int = 90) -> str:
    line = clean_line(text)
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut + "…"


# HTML elements a title may hold when a feed escapes markup into it (feedparser's
# acceptable elements, the ones a headline uses): any other tag means the text is not HTML.
_TITLE_ELEMENTS = frozenset(
    "a abbr acronym b bdi bdo big br cite code del dfn em font i img ins kbd mark nobr q s samp"
    " small span strike strong sub sup time tt u var wbr p div".split()
)
_CLOSE_TAG_OR_ENTITY = re.compile(r"</\w+>|&#?\w+;")
_TAG_NAME = re.compile(r"</?(\w+)")
_ENTITY_NAME = re.compile(r"&(\w+);")


def guess_html(value: str) -> bool:
    """Whether an untyped title (RSS) is HTML, as feedparser guesses it: a closing tag or an
    entity, every tag one a headline uses, every entity a defined one."""
    if not _CLOSE_TAG_OR_ENTITY.search(value):
        return False
    if any(t.lower() not in _TITLE_ELEMENTS for t in _TAG_NAME.findall(value)):
        return False
    return all(e in html.entities.entitydefs for e in _ENTITY_NAME.findall(value))


_EMAIL = r"[^\s@()<>]+@[^\s@()<>]+"
_EMAIL_THEN_NAME = re.compile(rf"\s*(?:mailto:)?{_EMAIL}\s*\((.+)\)\s*")
_NAME_THEN_EMAIL = re.compile(rf"\s*(.+?)\s*[(<]\s*(?:mailto:)?{_EMAIL}\s*[)>]\s*")


def person_name(value: str) -> str:
    """A person (an author, a publisher) as a reader shows them: ``jane@x.test (Jane Doe)``,
    ``Jane Doe (jane@x.test)`` and ``Jane Doe <jane@x.test>`` are all Jane Doe."""
    if "@" not in value:
        return value
    found = _EMAIL_THEN_NAME.fullmatch(value) or _NAME_THEN_EMAIL.fullmatch(value)
    return found.group(1).strip() if found else value


def title_text(value: str, is_html: bool | None) -> str:
    """A title as one line of text: HTML (``is_html``, or guessed when the feed does not say)
    turned into its words exactly once; text kept as written, ``<`` and ``&`` included."""
    if is_html is None:
        is_html = guess_html(value)
    return clean_line(quick_text(value) if is_html else value)


@dataclass
class RawArticle:
    """What a parser found, before cleaning. Strings may hold anything."""

    guid: str = ""
    title: str = ""
    title_is_html: bool | None = None  # None: the feed does not say (RSS): guessed
    url: str = ""
    authors: Sequence[str] = ()
    published: float | None = None
    updated: float | None = None
    summary: str = ""  # HTML or text
    body: str = ""
    body_is_html: bool = True
    captions: list[Caption] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    related_links: list[RelatedLink] = field(default_factory=list)
    categories: Sequence[str] = ()
    enclosures: list[Enclosure] = field(default_factory=list)
    base_url: str = ""


def _dedupe(values: Iterable[str], limit: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        value = clean_line(value)
        if value and value.lower() not in (v.lower() for v in seen):
            seen[value] = None
        if len(seen) >= limit:
            break
    return tuple(seen)


def clean_caption(caption: Caption) -> Caption:
    return Caption(
        text=clean_line(caption.text)[:MAX_SUMMARY],
        credit=clean_line(caption.credit)[:MAX_TITLE],
        image_url=clean_url(caption.image_url) if is_web_url(clean_url(caption.image_url)) else "",
        alt=clean_line(caption.alt)[:MAX_SUMMARY],
    )


def merge_captions(*groups: Iterable[Caption]) -> tuple[Caption, ...]:
    """Captions from several places (media RSS, the body, enclosures), one per image or text."""
    out: list[Caption] = []
    by_image: dict[str, int] = {}
    seen_text: set[tuple[str, str]] = set()
    for group in groups:
        for raw in group:
            caption = clean_caption(raw)
            if not (caption.text or caption.credit or caption.alt):
                continue
            key = (caption.text.lower(), caption.credit.lower())
            if caption.image_url and caption.image_url in by_image:
                index = by_image[caption.image_url]
                old = out[index]
                out[index] = Caption(
                    text=old.text or caption.text,
                    credit=old.credit or caption.credit,
                    image_url=old.image_url,
                    alt=old.alt or caption.alt,
                )
                continue
            if key in seen_text and key != ("", ""):
                continue
            seen_text.add(key)
            if caption.image_url:
                by_image[caption.image_url] = len(out)
            out.append(caption)
            if len(out) >= MAX_CAPTIONS:
                return tuple(out)
    return tuple(out)


def clean_source(ref: SourceRef) -> SourceRef | None:
    url = clean_url(ref.url)
    name = clean_line(ref.name)[:MAX_TITLE]
    if not is_web_url(url):
        url = ""
    if not name and not url:
        return None
    return SourceRef(ref.kind, name, url, clean_line(ref.place)[:200])


def merge_sources(refs: Iterable[SourceRef]) -> tuple[SourceRef, ...]:
    out: list[SourceRef] = []
    seen: set[tuple[str, str, str]] = set()
    for ref in refs:
        cleaned = clean_source(ref)
        if cleaned is None:
            continue
        key = (cleaned.kind, cleaned.name.lower(), cleaned.url)
        if key in seen:
            continue
        seen.add(key)
        out.append(cleaned)
    return tuple(out)


def _clean_related(links: Iterable[RelatedLink]) -> tuple[RelatedLink, ...]:
    out = []
    for link in links:
        url = clean_url(link.url)
        title = clean_line(link.title)[:MAX_TITLE]
        if not title and not url:
            continue
        out.append(
            RelatedLink(
                title=title or url,
                url=url if is_web_url(url) else "",
                label=clean_line(link.label)[:200],
                summary=clean_line(link.summary)[:MAX_SUMMARY],
                group=clean_line(link.group)[:200] or "Related",
            )
        )
    return tuple(out[:MAX_LINKS])


def _clean_enclosures(items: Iterable[Enclosure]) -> tuple[Enclosure, ...]:
    out: list[Enclosure] = []
    seen: set[str] = set()
    for item in items:
        url = clean_url(item.url)
        if not url or url in seen:
            continue
        seen.add(url)
        length = item.length if isinstance(item.length, int) and item.length >= 0 else None
        out.append(Enclosure(url, clean_line(item.type)[:100], length))
        if len(out) >= MAX_ENCLOSURES:
            break
    return tuple(out)


def build_article(raw: RawArticle, feed_title: str = "", publisher: str = "") -> Article:
    """The one normalisation step: sanitise, cap, derive text, captions, sources and an id."""
    if "@" in publisher:  # RSS webMaster/managingEditor: a contact address, not a publisher
        publisher = ""
    body = raw.body or raw.summary
    is_html = raw.body_is_html if raw.body else looks_like_html(raw.summary)
    body = body[:MAX_BODY]
    if is_html and raw.base_url:
        body = absolute_links(body, raw.base_url)
    # The body's own links and figure captions are read when the article is shown
    # (reading.complete_article); storing needs only its words.
    # An HTML body's words are extracted when the article is indexed (Store.index_pending),
    # after the refresh has stored it: storing 10,000 articles stays cheap.
    text = "" if is_html else "\n\n".join(b.plain for b in text_blocks(body))
    body_out = clean_text(body)
    summary_src = raw.summary if raw.body and raw.summary else ""
    if summary_src and looks_like_html(summary_src):
        summary = quick_text(summary_src[: MAX_SUMMARY * 4])
    else:
        summary = clean_text(summary_src)
    # a summary that would only repeat the text's opening is not stored (see Store.article)
    summary = clean_line(summary)[:MAX_SUMMARY]

    url = clean_url(raw.url)
    if not is_web_url(url):
        url = url if url.startswith("file:") else ""
    title = title_text(raw.title, raw.title_is_html)[:MAX_TITLE] or title_from_text(
        text or summary or quick_text(body[:20_000])
    )
    authors = _dedupe((person_name(a) for a in raw.authors), 20)

    image_enclosures = [
        Caption(text="", image_url=e.url) for e in raw.enclosures if e.type.startswith(_IMAGE_TYPES)
    ]
    captions = merge_captions(raw.captions, image_enclosures)

    refs: list[SourceRef] = []
    if url:
        refs.append(SourceRef(SourceKind.ORIGIN, title, url))
    if publisher:
        refs.append(SourceRef(SourceKind.PUBLISHER, publisher))
    if feed_title and feed_title.lower() != publisher.lower():
        refs.append(
            SourceRef(SourceKind.PUBLISHER if not publisher else SourceKind.VIA, feed_title)
        )
    refs.extend(SourceRef(SourceKind.AUTHOR, a) for a in authors)
    own_names = {publisher.lower(), feed_title.lower()}
    refs.extend(
        replace(ref, name=person_name(ref.name)) if ref.kind is SourceKind.PUBLISHER else ref
        for ref in raw.sources
        if not (
            ref.kind is SourceKind.AGENCY
            and ref.name
            and ref.name.lower() in own_names
            and not ref.place
        )
    )
    sources = merge_sources(refs)

    guid = clean_line(raw.guid)[:2000] or url or _fingerprint(title, raw.published, raw, body)
    published = plausible_time(raw.published)
    updated = plausible_time(raw.updated)
    return Article(
        guid=guid,
        title=title,
        url=url,
        authors=authors,
        published=published if published is not None else updated,
        updated=updated,
        summary=summary,
        body=body_out,
        body_format="html" if is_html else "text",
        text=text,
        captions=captions,
        sources=sources,
        related_links=_clean_related(raw.related_links),
        categories=_dedupe(raw.categories, MAX_CATEGORIES),
        enclosures=_clean_enclosures(raw.enclosures),
    )


def _fingerprint(title: str, published: float | None, raw: RawArticle, body: str) -> str:
    """The id of an item that has neither id nor link: from what both parsers read alike
    (the title as text, the instant, the enclosures, the body's words; not the markup, which
    feedparser rewrites), so a feed read once by each path keeps one copy of each item."""
    words = " ".join(quick_text(body[:20_000]).split())[:500] if raw.body_is_html else body[:500]
    media = " ".join(e.url for e in raw.enclosures)
    when = "" if published is None else str(int(published))
    return content_hash(title, when, media, " ".join(words.split()))


def distinct_guids(articles: Sequence[Article]) -> tuple[Article, ...]:
    """Items of one document that share an id (feeds that give every item the same link and no
    guid) keep apart by a hash of their title, date and summary, so none overwrites another."""
    counts: dict[str, int] = {}
    for article in articles:
        counts[article.guid] = counts.get(article.guid, 0) + 1
    if all(n == 1 for n in counts.values()):
        return tuple(articles)
    out: list[Article] = []
    seen: set[str] = set()
    for article in articles:
        guid = article.guid
        if counts[guid] > 1:
            digest = content_hash(article.title, str(article.published), article.summary)
            guid = f"{guid}#{digest[7:23]}"
            while guid in seen:
                guid += "+"
        seen.add(guid)
        out.append(replace(article, guid=guid) if guid != article.guid else article)
    return tuple(out)
