import json
from pathlib import Path

from newsreader.library.reading import complete_article
from newsreader.models import SourceKind
from newsreader.sources.local import read_directory


def test_seed_article(shared: Path) -> None:
    feed = read_directory(shared / "seed")
    assert not feed.warnings
    (article,) = feed.articles
    assert article.title == "Russia steps up its support for the military government of Mali"
    assert article.text.startswith("Russia continues with its efforts")
    assert "Lavrov earlier this month said Wagner Group" in article.text
    for marker in ("source:", "photo:", "Related articles", "Popular", "\u00a0"):
        assert marker not in article.text and marker not in article.body
    agencies = [(s.name, s.place) for s in article.sources if s.kind is SourceKind.AGENCY]
    assert agencies == [
        ("commonspace.eu", ""),
        ("DW", "Cologne"),
        ("the press service of the Russian foreign ministry", "Moscow"),
    ]
    (caption,) = article.captions
    assert caption.text.startswith("Russian foreign minister Sergei Lavrov at a press conference")
    assert "Ministry of Foreign Affairs of the Russian Federation" in caption.credit
    related = [r for r in article.related_links if r.group == "Related articles"]
    assert [r.title[:30] for r in related] == [
        "Borrell tells the European Par",
        "Pope's visit to Türkiye and Le",
    ]
    assert all(r.label == "Editor's choice · News" for r in related)
    assert related[0].summary.startswith("Borrell underlined that the European Union")
    popular = [r for r in article.related_links if r.group == "Popular"]
    assert len(popular) == 1 and popular[0].title.startswith("Pope's visit")
    assert popular[0].label == "Editor's choice · News"


def test_every_format_and_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Markdown piece\ndate: 2026-11-01T10:00:00Z\nauthor: Ana\n"
        "source: Agency X (Oslo)\ntags: [One, Two]\n---\n\nBody with a [link](https://x.example/a)."
        '\n\n![Alt text](https://x.example/i.jpg "Caption here. Photo: Bo")\n',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text(
        '<html><head><title>T</title><meta name="author" content="Cy">'
        '<link rel="canonical" href="https://site.example/b">'
        '<meta property="article:published_time" content="2026-11-02T08:00:00Z"></head>'
        "<body><nav>menu</nav><article><h1>HTML piece</h1><p>Para.</p><figure>"
        '<img src="/p.jpg"><figcaption>A figure. Photograph: Di</figcaption></figure>'
        "</article></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "c.json").write_text(
        json.dumps(
            [
                {
                    "id": "c1",
                    "title": "JSON one",
                    "text": "Plain body.",
                    "sources": ["Wire (Rome)"],
                },
                {"title": "JSON two", "html": "<p>Html body</p>", "captions": [{"text": "Cap"}]},
                "not an object",
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe Headline \x1b[31m red\n\nBody.")
    feed = read_directory(tmp_path)
    by_title = {a.title: complete_article(a) for a in feed.articles}
    assert set(by_title) >= {"Markdown piece", "HTML piece", "JSON one", "JSON two"}
    md = by_title["Markdown piece"]
    assert md.authors == ("Ana",) and md.categories == ("One", "Two") and md.published
    assert md.captions[0].text == "Caption here." and md.captions[0].credit == "Photo: Bo"
    assert any(s.kind is SourceKind.LINK and s.url == "https://x.example/a" for s in md.sources)
    assert any(s.name == "Agency X" and s.place == "Oslo" for s in md.sources)
    page = by_title["HTML piece"]
    assert page.url == "https://site.example/b" and page.authors == ("Cy",)
    assert "menu" not in page.text and page.text.startswith("Para.")
    assert page.captions[0].credit == "Photograph: Di"
    assert page.captions[0].image_url == "https://site.example/p.jpg"
    assert by_title["JSON one"].guid == "c1"
    assert by_title["JSON two"].captions[0].text == "Cap"
    assert len(feed.warnings) == 1 and feed.warnings[0].startswith("broken.json:")
    assert all("\x1b" not in a.title for a in feed.articles)
