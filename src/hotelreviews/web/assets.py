"""The pages' static files under content-hashed names, so that they can be cached for good.

Our own files (static/) and the few third-party files the pages use, straight from
node_modules (installed from package-lock.json by scripts/ensure-node-packages.sh): nothing
third-party is copied into the repository. A file is served as `/assets/<stem>.<hash><ext>`;
a new version is a new name, so a browser never holds a stale copy and never asks again
(`immutable`). The manifest is built once, when the app is created.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("hotelreviews.web")

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "node_modules"  # a checkout's (HOTELREVIEWS_WEB_NODE_MODULES moves it)
ASSETS_PREFIX = "/assets/"
# The third-party files the pages load, by the name templates use, under node_modules.
VENDOR_FILES = {
    "uPlot.js": Path("uplot/dist/uPlot.iife.min.js"),
    "uPlot.css": Path("uplot/dist/uPlot.min.css"),
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    path: Path
    media_type: str


class AssetManifest:
    """Logical names (`explorer.js`) to hashed URLs, and hashed names back to files."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._urls: dict[str, str] = {}
        self._by_hashed_name: dict[str, Asset] = {}
        for name, path in sorted(files.items()):
            if not path.is_file():
                # The page still works, without what the file brings (the trend chart).
                logger.warning("web asset %s missing (%s): run `make node-packages`", name, path)
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            stem, dot, suffix = name.rpartition(".")
            hashed = f"{stem}.{digest}{dot}{suffix}"
            self._urls[name] = ASSETS_PREFIX + hashed
            self._by_hashed_name[hashed] = Asset(path, MEDIA_TYPES[dot + suffix])

    @classmethod
    def build(cls, node_modules: Path | None = None) -> AssetManifest:
        own = {path.name: path for path in STATIC_DIR.iterdir() if path.suffix in MEDIA_TYPES}
        vendor = {
            name: (node_modules or NODE_MODULES) / path for name, path in VENDOR_FILES.items()
        }
        return cls({**own, **vendor})

    def url(self, name: str) -> str | None:
        """The file's URL, or None when it is missing (templates then leave it out)."""
        return self._urls.get(name)

    def find(self, hashed_name: str) -> Asset | None:
        return self._by_hashed_name.get(hashed_name)
