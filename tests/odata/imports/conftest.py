"""Every import test: English messages, and uploads and reports under the test's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_and_private_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with translation.override("en"):
        yield
