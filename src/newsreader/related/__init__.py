"""Related articles: the words an article is indexed by (terms) and the ranking over them (rank)."""
