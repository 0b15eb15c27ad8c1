"""Feeds: parsing (RSS, Atom, JSON Feed) into the article model. Fetching comes in fetch.py."""
