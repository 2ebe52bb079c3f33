"""A staticfiles finder that exposes exactly one file: plotly.js from the installed `plotly`
package, as `analysis/vendor/plotly.min.js`.

The dashboards draw their charts with plotly.js; the Python package already ships the matching
build, so there is no CDN, no copy in the repository and no version drift between the figures
built in Python and the library drawing them. `collectstatic` picks the file up like any other
(WhiteNoise then serves it compressed with a hashed name).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_STATIC_PATH = "analysis/vendor/plotly.min.js"
_PREFIX, _NAME = PLOTLY_STATIC_PATH.rsplit("/", 1)


def plotly_js_file() -> Path:
    return Path(plotly.__file__).resolve().parent / "package_data" / _NAME


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(plotly_js_file().parent))
        # collectstatic puts a storage's files under its `prefix`.
        self.storage.prefix = _PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(  # type: ignore[override]  # one body for both overloads
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        find_all = bool(kwargs.get("all", find_all))
        match = str(plotly_js_file()) if path == PLOTLY_STATIC_PATH else None
        if find_all:
            return [match] if match else []
        return match or []

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield _NAME, self.storage
