"""Errors the user sees. Each carries one plain line that says what failed and why."""


class NewsreaderError(Exception):
    """Base class: ``str(error)`` is the one line shown to the user."""


class UsageError(NewsreaderError):
    """The user asked for something that cannot be done as asked."""


class FeedError(NewsreaderError):
    """One source could not be read or parsed; other sources are unaffected."""


class StoreError(NewsreaderError):
    """The article store could not be opened, read or written."""


class SearchQueryError(NewsreaderError):
    """A search query the full-text index cannot read."""


class ImportFileError(NewsreaderError):
    """An OPML or urls file that cannot be read."""
