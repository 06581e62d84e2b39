"""Fixtures for the graph tests (synthetic tasks live in ``graph_helpers``)."""

from __future__ import annotations

import pytest
from graph_helpers import FAST_RETRY, PROBE, Probe

from hubflow._settings import Limits, Settings


@pytest.fixture
def probe() -> Probe:
    PROBE.reset()
    return PROBE


@pytest.fixture
def settings() -> Settings:
    return Settings(endpoint="http://hub.test", retry=FAST_RETRY, limits=Limits(hash=2, api=3, transfer=2, commit=1))
