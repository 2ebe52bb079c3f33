from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    """Export files (and imported feedback files) go to the test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
