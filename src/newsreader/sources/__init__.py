"""Sources other than feeds: local directories of article files."""
