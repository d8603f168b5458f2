"""The media folder (signed LOAs) in a temporary directory for every porting test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    settings.ORION_MEDIA_DIR = tmp_path / "media"
    return settings.ORION_MEDIA_DIR
