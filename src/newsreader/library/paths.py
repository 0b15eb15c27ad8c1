"""Where newsreader keeps its files. Nothing here creates a directory at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "newsreader"
DB_NAME = "newsreader.db"
BOOKMARKS_NAME = "bookmarks.json"
CONFIG_NAME = "config.toml"


@dataclass(frozen=True, slots=True)
class Locations:
    data_dir: Path
    config_file: Path
    bookmarks_file: Path

    @property
    def database(self) -> Path:
        return self.data_dir / DB_NAME


def resolve(
    data_dir: str | os.PathLike[str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    bookmarks_file: str | os.PathLike[str] | None = None,
) -> Locations:
    """Arguments win over environment variables, which win over the platform's defaults."""
    import platformdirs

    data = data_dir or os.environ.get("NEWSREADER_DATA_DIR")
    data_path = Path(data).expanduser() if data else Path(platformdirs.user_data_dir(APP_NAME))
    config = config_file or os.environ.get("NEWSREADER_CONFIG")
    config_path = (
        Path(config).expanduser()
        if config
        else Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_NAME
    )
    bookmarks = bookmarks_file or os.environ.get("NEWSREADER_BOOKMARKS")
    bookmarks_path = Path(bookmarks).expanduser() if bookmarks else data_path / BOOKMARKS_NAME
    return Locations(data_path, config_path, bookmarks_path)


def package_file(*parts: str) -> Path:
    """A file shipped inside the package (styles, demo articles), named from the package's root."""
    return Path(__file__).parents[1].joinpath(*parts)


def styles_dir() -> Path:
    """The .tcss files: inside the installed wheel, or the repository's styles/ when running
    from a source checkout (an editable install does not copy them into the package)."""
    packaged = package_file("styles")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"
