"""What people type into search, as an FTS5 query.

Plain words are searched as typed: ``Russia-Ukraine``, ``COVID-19``, ``al-Sadr``, ``U.S.``,
``9/11`` and ``don't`` are each quoted into a phrase of their parts (FTS5 would read ``-`` as a
column filter, ``.`` and ``/`` as syntax errors). FTS5's own syntax is kept where the user wrote
it: ``"a phrase"``, ``pre*``, ``a OR b``, ``NOT``, ``AND``, ``NEAR(…)``, parentheses and
``title:`` / ``text:`` filters. The same words, without the operators, are what the reader
highlights in the list and the article.
"""

from __future__ import annotations

import re

_OPERATORS = {"AND", "OR", "NOT"}  # NEAR only before "("
_COLUMNS = ("title:", "text:")
# a quoted phrase (its "" escapes), a parenthesis, or a run of anything else
_TOKEN = re.compile(r'"(?:[^"]|"")*"?|[()]|[^\s()"]+')
_PLAIN_WORD = re.compile(r"\w+\*?", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _bare(token: str) -> str:
    """One bare token: kept when FTS5 reads it as a word (or a prefix), else a phrase."""
    prefix = ""
    lowered = token.lower()
    for column in _COLUMNS:
        if lowered.startswith(column) and len(token) > len(column):
            prefix, token = token[: len(column)], token[len(column) :]
            break
    if _PLAIN_WORD.fullmatch(token):
        return prefix + token
    star = "*" if token.endswith("*") and len(token) > 1 else ""
    return prefix + _quote(token[: len(token) - len(star)]) + star


def to_fts(query: str) -> str:
    """``query`` as FTS5 reads it, meaning what the user meant."""
    out: list[str] = []
    for token in _TOKEN.findall(query):
        if token.startswith('"'):
            out.append(token if len(token) > 1 and token.endswith('"') else token + '"')
        elif token in ("(", ")") or token in _OPERATORS or token == "NEAR":
            out.append(token)
        elif token.endswith(",") and len(token) > 1:  # NEAR(a b, 5): the distance's comma
            out += [_bare(token[:-1]), ","]
        else:
            out.append(_bare(token))
    return " ".join(out)


def as_words(query: str) -> str:
    """Every word of ``query`` as a phrase: the fallback when the user's syntax is broken."""
    return " ".join(_quote(t) for t in query.replace('"', " ").split() if _WORD.search(t))


def highlight_terms(query: str) -> list[str]:
    """What to highlight, as typed (case aside): each word or quoted phrase of the query, its
    ``*`` and column name dropped; not the operators, nor a word after NOT."""
    terms: list[str] = []
    negated = False
    for token in _TOKEN.findall(query):
        if token in _OPERATORS or token in ("(", ")", "NEAR"):
            negated = token == "NOT"
            continue
        if negated:
            negated = False
            continue
        text = token.strip('"').replace('""', '"').rstrip("*,")
        for column in _COLUMNS:
            if text.lower().startswith(column):
                text = text[len(column) :]
        if len(text) > 1 or (text and token.startswith('"')):
            terms.append(text)
    return list(dict.fromkeys(terms))


def match_pattern(query: str) -> re.Pattern[str] | None:
    """Where the query's words stand in a text (case aside, at the start of a word): the
    highlighted runs; None when there is nothing to highlight."""
    terms = highlight_terms(query)
    if not terms:
        return None
    longest_first = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, longest_first)) + ")", re.I)
