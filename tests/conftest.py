"""Shared fixtures: a local Hub (real process on loopback, or in-process ASGI), tokens, repo names."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The official client reads these at import time: set them before any test module imports it.
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.pop("HF_TOKEN", None)
_HF_HOME = tempfile.mkdtemp(prefix="hubflow-tests-hf-home-")
os.environ["HF_HOME"] = _HF_HOME
os.environ.pop("HF_HUB_CACHE", None)
atexit.register(shutil.rmtree, _HF_HOME, True)

from hubflow.testing import ALICE_WRITE, HubProcess, LocalHub  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A real ``hubflow serve`` process on loopback, shared by the whole session."""
    with HubProcess(tmp_path_factory.mktemp("hub")) as proc:
        yield proc


@pytest.fixture
def asgi_hub(tmp_path: Path) -> LocalHub:
    """A fresh in-process local Hub (use ``httpx.ASGITransport(app=asgi_hub.app)``)."""
    return LocalHub(tmp_path / "asgi-hub")


@pytest.fixture
def token() -> str:
    """alice's write token."""
    return ALICE_WRITE


@pytest.fixture
def repo_factory() -> Callable[..., str]:
    """Fresh repo ids under ``alice`` (nothing is created): ``repo_factory()`` → ``alice/repo-1a2b3c4d``."""

    def make(prefix: str = "repo", namespace: str = "alice") -> str:
        return f"{namespace}/{prefix}-{uuid.uuid4().hex[:8]}"

    return make


def pytest_configure(config: pytest.Config) -> None:
    # huggingface_hub 2.4's LFS upload passes raw bytes as `data=` to httpx2, which warns; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")
