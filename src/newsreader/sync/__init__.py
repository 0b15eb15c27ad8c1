"""Two-way sync with a server the user already runs (Tiny Tiny RSS, a Google Reader API
server such as FreshRSS or Miniflux, a Fever API server), offline first.

The store follows one account: the server is the source of subscriptions and of read and
starred state, its articles are stored beside any other with their server ids, and every
action made here is queued in the store in the same transaction as the change, then sent
when the server answers. Parts: ``settings`` (config.toml's ``[sync]``, the password from a
command), ``remote`` (what a server says, the client interface), ``session`` (HTTP, bounded,
counted, credentials never shown), one module per protocol (``ttrss``, ``greader``,
``fever``), and ``engine`` (a sync: the queue sent, then feeds, articles and state taken).
"""
