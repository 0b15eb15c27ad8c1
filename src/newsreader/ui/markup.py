"""Feed text for the few Textual APIs that read plain strings as markup."""

from __future__ import annotations


def markup_literal(text: str) -> str:
    """``text`` for the few Textual APIs that read strings as markup (command palette names):
    every ``[`` escaped, so it shows exactly as written. (``textual.markup.escape`` escapes
    only tag-like runs and fails on an unmatched ``[/ x [/bold]``.)"""
    return text.replace("[", "\\[")
