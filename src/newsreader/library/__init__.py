"""The library: the one front door the CLI and the reader share, and what it stands on
(settings and paths, subscription lists, the refresh, views, reading, the demo)."""
