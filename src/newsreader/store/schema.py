"""The store's schema: its tables, indexes and triggers, and what upgrades an older store."""

from __future__ import annotations

import sqlite3

from newsreader.related.terms import GENERATION_BITS

SCHEMA_VERSION = 11
INDEX_CHARS = 1_500  # of each article's text: headline, lede and the first paragraphs

# Words counted when an article was stored describe it only while its title, summary, text and
# link stay as they were: any change has them counted again by the related pass.
RELATED_TERMS_STALE = """CREATE TRIGGER related_terms_stale
AFTER UPDATE OF title, summary, text, url ON articles BEGIN
    UPDATE related_pending SET terms = NULL WHERE article_id = new.id AND terms IS NOT NULL;
END;
"""


def postings_table(name: str = "related_postings") -> str:
    """The postings table's DDL (the store's migration builds it under another name first)."""
    return f"""CREATE TABLE {name} (
    generation INTEGER NOT NULL,
    term INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (generation, term, article_id)
) WITHOUT ROWID;
"""


def related_schema(schema: str = "main") -> str:
    """The related index's tables, in the database ``schema`` names: the store's own file
    before schema 10, the attached related file since."""
    return (
        f"CREATE TABLE {schema}.related_df (term INTEGER PRIMARY KEY, df INTEGER NOT NULL);\n"
        + postings_table(f"{schema}.related_postings")
        + f"""CREATE TABLE {schema}.related_docs (
    article_id INTEGER PRIMARY KEY,
    fingerprint INTEGER NOT NULL,
    terms BLOB NOT NULL
);
CREATE TABLE {schema}.related_stats (id INTEGER PRIMARY KEY CHECK (id = 1), docs INTEGER NOT NULL);
INSERT INTO {schema}.related_stats (id, docs) VALUES (1, 0);
"""
    )


RELATED_TABLES = ("related_df", "related_postings", "related_docs", "related_stats")

# The related-articles index lives in a file of its own beside the store, attached to each
# connection under this name: the refresh's index job writes it while the parse workers write
# the articles, each file with its own write lock. It holds nothing but what the articles give:
# a missing or damaged one is built again.
RELATED_FILE_SCHEMA = "related"
RELATED_FILE_SINCE = 10  # the schema version that moved the index there


# The full-text index lives in a file of its own too, attached as "search": the index job fills
# it without the articles file's lock. It indexes its own copy of each article's indexed values
# (search_docs, the FTS5 table's external content), so that taking an article out of it needs
# nothing but that file, whatever became of the article since.
SEARCH_FILE_SCHEMA = "search"
SEARCH_FILE_SINCE = 11
SEARCH_TABLES = ("articles_fts", "search_docs")
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"


def search_schema(schema: str = SEARCH_FILE_SCHEMA) -> str:
    """The full-text index's tables, in the database ``schema`` names."""
    return f"""CREATE TABLE {schema}.search_docs (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE VIRTUAL TABLE {schema}.articles_fts USING fts5(
    title, text,
    content = 'search_docs', content_rowid = 'id',
    tokenize = '{FTS_TOKENIZER}'
);
INSERT INTO {schema}.articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
"""


def search_docs_of_indexed(search: str, store: str) -> str:
    """The values the full-text index holds of every article the store says is indexed, into
    ``search_docs`` (a moved or rebuilt index)."""
    return (
        f"INSERT INTO {search}.search_docs (id, title, text) SELECT id, title,"
        f" substr(text, 1, {INDEX_CHARS}) FROM {store}.articles WHERE indexed = 1"
    )


# Articles deleted anywhere wait here until the index job takes them out of the full-text
# index; an indexed article whose title or text changes waits to be indexed again (its old
# values leave the index then).
SEARCH_GONE = """CREATE TABLE IF NOT EXISTS search_gone (article_id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS articles_search_gone AFTER DELETE ON articles BEGIN
    INSERT OR IGNORE INTO search_gone (article_id) VALUES (old.id);
END;
CREATE TRIGGER IF NOT EXISTS articles_search_stale AFTER UPDATE OF title, text ON articles
WHEN old.indexed = 1 BEGIN
    UPDATE articles SET indexed = 0 WHERE id = new.id;
END;
"""

# Articles deleted (a feed removed, a rule's block) wait here until their postings are taken
# out of the related index, by whoever writes that file next: a refresh's parse workers delete
# articles without opening it.
RELATED_GONE = """CREATE TABLE IF NOT EXISTS related_gone (article_id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS articles_related_gone AFTER DELETE ON articles BEGIN
    INSERT OR IGNORE INTO related_gone (article_id) VALUES (old.id);
END;
"""


# -- reading and writing the index ---------------------------------------------------------


SCHEMA = f"""
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    user_title TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL DEFAULT '',
    ttl_minutes INTEGER,
    last_fetched REAL,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    next_fetch_after REAL,
    added_at REAL NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '',
    published REAL,
    updated REAL,
    sort_key REAL NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    body_format TEXT NOT NULL DEFAULT 'html',
    text TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{{}}',
    content_hash TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0,
    fetched_at REAL NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_by_date ON articles (sort_key DESC, id DESC);
CREATE INDEX articles_by_feed ON articles (feed_id, sort_key DESC, id DESC);
CREATE INDEX articles_unread ON articles (sort_key DESC, id DESC) WHERE read = 0;
CREATE INDEX articles_unindexed ON articles (id) WHERE indexed = 0;
CREATE INDEX articles_feed_read ON articles (feed_id, read);
-- in the full-text index (indexed = 1), not yet in the related-articles one: a refresh fills
-- the first for every article, then the second (search is ready seconds sooner)
CREATE TABLE related_pending (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    terms BLOB
);
{RELATED_TERMS_STALE}"""

# The article as extracted from its page (a feed that carries a summary only)
FULL_TEXT_SCHEMA = """CREATE TABLE IF NOT EXISTS full_texts (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    extracted_at REAL NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
"""

# What rules did: articles kept out (by the feed's id for them) and tags given to articles
RULES_SCHEMA = """CREATE TABLE IF NOT EXISTS blocked (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    blocked_at REAL NOT NULL,
    PRIMARY KEY (feed_id, guid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_tags_by_article ON article_tags (article_id);
-- read state by id without the row: a saved search's unread count looks up each match's
CREATE INDEX IF NOT EXISTS articles_read_by_id ON articles (id, read);
"""

# Sync with a server: the account the store follows, the server's ids of its feeds and
# articles with the state the server had when last seen, and the actions waiting to be sent
SYNC_SCHEMA = """CREATE TABLE IF NOT EXISTS sync_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_feeds (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sync_articles (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE,
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sync_queue (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    at REAL NOT NULL
);
"""

SCHEMA += RELATED_GONE + SEARCH_GONE + FULL_TEXT_SCHEMA + RULES_SCHEMA + SYNC_SCHEMA

# version -> SQL that brings version-1 to version
MIGRATIONS: dict[int, str] = {
    # the related-articles index: every article is indexed again, for both indexes
    2: related_schema()
    + """
CREATE INDEX IF NOT EXISTS articles_feed_read ON articles (feed_id, read);
INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
UPDATE articles SET indexed = 0;
""",
    # postings by generation first: a batch writes into one small B-tree (related.terms)
    3: postings_table("related_postings_v3")
    + """INSERT INTO related_postings_v3 (generation, term, article_id, weight)
    SELECT article_id >> """
    + str(GENERATION_BITS)
    + """, term, article_id, weight FROM related_postings ORDER BY 1, 2, 3;
DROP TABLE related_postings;
ALTER TABLE related_postings_v3 RENAME TO related_postings;
""",
    # the two indexes are filled one after the other
    4: """CREATE TABLE IF NOT EXISTS related_pending (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
""",
    # full text extracted from articles' pages
    5: FULL_TEXT_SCHEMA,
    # rules: blocked articles' ids, tags given to articles
    6: RULES_SCHEMA,
    # sync with a server: remote ids, the state last seen there, the queue of actions
    7: SYNC_SCHEMA,
    # an article's words for the related index, counted by the refresh's parse workers
    8: "ALTER TABLE related_pending ADD COLUMN terms BLOB;\n" + RELATED_TERMS_STALE,
    # a plural and its singular are one word of the related index: it is built again, by the
    # next refresh's index job (or `newsreader index`), from each article's stored text
    9: """DELETE FROM related_postings;
DELETE FROM related_docs;
DELETE FROM related_df;
UPDATE related_stats SET docs = 0;
UPDATE related_pending SET terms = NULL;
INSERT OR IGNORE INTO related_pending (article_id) SELECT id FROM articles WHERE indexed = 1;
""",
    # the related index in a file of its own: moved there by a connection that has the file
    # (Connection._move_related_index), else built there again (Connection._ensure_related)
    10: "".join(f"DROP TABLE IF EXISTS main.{table};\n" for table in RELATED_TABLES) + RELATED_GONE,
    # the full-text index in a file of its own: moved there, and dropped here, by the first
    # connection that has the file (Connection._move_search_index)
    11: SEARCH_GONE,
}

# What the move of the full-text index leaves of it in the store's file: nothing (the mover's
# connection has the store attached as "store")
OLD_SEARCH_DROPPED = """DROP TRIGGER IF EXISTS store.articles_fts_delete;
DROP TRIGGER IF EXISTS store.articles_fts_update;
DROP TABLE IF EXISTS store.articles_fts;
DROP VIEW IF EXISTS store.articles_fts_source;
DELETE FROM store.search_gone;
"""


# CROSS JOIN: the few pending rows drive the join (SQLite's planner preferred to scan every
# article and look each one up among them, reading the whole table at every refresh)
PENDING_COUNT_SQL = (
    "SELECT (SELECT count(*) FROM articles WHERE indexed = 0) + (SELECT count(*)"
    " FROM related_pending p CROSS JOIN articles a ON a.id = p.article_id WHERE a.indexed = 1)"
)


def split_sql(script: str) -> list[str]:
    """Statements of a schema script; a trigger body's semicolons stay inside its statement."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements
