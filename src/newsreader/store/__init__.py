"""The article store: an SQLite file in the data directory, with each of its two indexes in a
file of its own beside it (``newsreader.search.db`` and ``newsreader.related.db``, attached to
each connection as ``search`` and ``related``: the index job writes them while a refresh's
workers write articles), behind one class, :class:`Store`.

Its parts, each building on :class:`~newsreader.store.connection.Connection`:
``schema`` (tables and upgrades), ``connection`` (opening, one write transaction at a time),
``feeds`` (subscriptions and what each refresh recorded), ``articles`` (writes, read state),
``fulltexts`` (articles extracted from their pages), ``rulestate`` (what rules blocked and tagged),
``syncstate`` (the server a store follows: remote ids, the state seen there, queued actions),
``codec`` (the model in rows), ``indexing`` (full text and related articles), ``queries`` (pages
of a view by keyset, counts, search, one article), ``searchindex`` (the full-text index),
``postings`` (the related-articles index),
and ``indexjob`` (indexing in a process of its own).

A connection belongs to the thread that opened it: open one ``Store`` per thread.
"""

from __future__ import annotations

from newsreader.store.articles import ArticleRecords, StoreResult
from newsreader.store.connection import WAL_SIZE_LIMIT, describe, schema_version
from newsreader.store.feeds import FeedRecords
from newsreader.store.fulltexts import FullTexts, StoredFullText
from newsreader.store.indexing import STORED_TEXT_CHARS
from newsreader.store.postings import RelatedReads
from newsreader.store.queries import Queries
from newsreader.store.rulestate import RuleState
from newsreader.store.schema import PENDING_COUNT_SQL, SCHEMA_VERSION
from newsreader.store.syncstate import QueuedAction, SyncedArticle

__all__ = [
    "PENDING_COUNT_SQL",
    "SCHEMA_VERSION",
    "STORED_TEXT_CHARS",
    "WAL_SIZE_LIMIT",
    "QueuedAction",
    "Store",
    "StoreResult",
    "StoredFullText",
    "SyncedArticle",
    "describe",
    "schema_version",
]


class Store(FeedRecords, ArticleRecords, Queries, RelatedReads, FullTexts, RuleState):
    """Feeds, articles, their indexes and the queries over them, on one connection."""
