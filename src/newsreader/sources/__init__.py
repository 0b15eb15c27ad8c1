"""Sources other than feeds: local files and folders of articles, read safely, and their kind."""
