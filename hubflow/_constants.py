"""Environment variables, read the way huggingface_hub reads them, and the repo-type tables.

Unlike huggingface_hub, nothing is read at import time: ``Environment.read()`` is called when a
``Settings`` is built, so tests can ``monkeypatch.setenv`` freely.

```python
env = Environment.read()
env.endpoint, env.token, env.hub_cache
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_ENDPOINT",
    "REPO_TYPES",
    "REPO_TYPE_PLURAL",
    "REPO_TYPE_URL_PREFIX",
    "Environment",
    "env_bool",
]

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_TYPES = ("model", "dataset", "space")
REPO_TYPE_PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces", "kernel": "kernels"}
# The prefix of "web/git style" URLs (``/{prefix}{repo_id}/resolve/...``); models have none.
REPO_TYPE_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/", "kernel": "kernels/"}
DEFAULT_ETAG_TIMEOUT = 10.0
DEFAULT_DOWNLOAD_TIMEOUT = 10.0

_TRUE = {"1", "ON", "YES", "TRUE"}


def env_bool(value: str | None) -> bool:
    """huggingface_hub's truthiness: ``1``/``ON``/``YES``/``TRUE`` (any case) are true."""
    return value is not None and value.strip().upper() in _TRUE


def _clean_token(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.replace("\r", "").replace("\n", "").strip()
    return cleaned or None


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


def _expand_path(path: str | os.PathLike[str]) -> Path:
    """``~`` and ``$VARS`` expanded, as huggingface_hub expands its cache and token paths."""
    return Path(os.path.expandvars(os.path.expanduser(os.fspath(path))))


@dataclass(frozen=True)
class Environment:
    """A snapshot of the ``HF_*`` environment variables that hubflow honours."""

    endpoint: str
    hf_home: Path
    hub_cache: Path
    token_path: Path
    env_token: str | None
    offline: bool
    disable_progress_bars: bool | None
    disable_implicit_token: bool
    etag_timeout: float
    download_timeout: float

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """Read the variables from ``environ`` (default ``os.environ``) now."""
        env = os.environ if environ is None else environ
        xdg = env.get("XDG_CACHE_HOME")
        default_home = Path(xdg) / "huggingface" if xdg else Path("~/.cache/huggingface")
        hf_home = _expand_path(env.get("HF_HOME") or default_home)
        cache = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
        bars = env.get("HF_HUB_DISABLE_PROGRESS_BARS")
        return cls(
            endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
            hf_home=hf_home,
            hub_cache=_expand_path(cache) if cache else hf_home / "hub",
            token_path=_expand_path(env.get("HF_TOKEN_PATH") or hf_home / "token"),
            env_token=_clean_token(env.get("HF_TOKEN")) or _clean_token(env.get("HUGGING_FACE_HUB_TOKEN")),
            offline=env_bool(env.get("HF_HUB_OFFLINE")) or env_bool(env.get("TRANSFORMERS_OFFLINE")),
            # unset → None: let the caller decide; "0" forces bars on, "1" forces them off.
            disable_progress_bars=None if bars is None else env_bool(bars),
            disable_implicit_token=env_bool(env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")),
            etag_timeout=_float(env.get("HF_HUB_ETAG_TIMEOUT"), DEFAULT_ETAG_TIMEOUT),
            download_timeout=_float(env.get("HF_HUB_DOWNLOAD_TIMEOUT"), DEFAULT_DOWNLOAD_TIMEOUT),
        )

    def stored_token(self) -> str | None:
        """The token huggingface_hub would use: ``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN``, then the file."""
        if self.env_token:
            return self.env_token
        try:
            return _clean_token(self.token_path.read_text(encoding="utf-8"))
        except OSError:
            return None
