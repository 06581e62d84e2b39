"""Fixtures for the cache tests: a temp cache root, and the official client kept off Xet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# huggingface_hub reads its constants at import time; set this before any test imports it.
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """An empty Hub cache root."""
    root = tmp_path / "hub"
    root.mkdir()
    return root
