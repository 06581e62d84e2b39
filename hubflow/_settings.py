"""``Settings``: every shared knob lives here once (endpoint, token, headers, limits, retries).

A ``Settings`` is frozen; derive a variant with ``msgspec.structs.replace``. The environment is
read when ``Settings.from_env`` is called, never at import time.

```python
settings = Settings.from_env(token="hf_xxx", limits=Limits(transfer=4))
fast = msgspec.structs.replace(settings, retry=RetryPolicy(base_wait=0.001, max_wait=0.01))
```
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import msgspec

from hubflow._constants import Environment
from hubflow.errors import LocalTokenNotFoundError

__all__ = ["Limits", "RetryPolicy", "Settings", "Timeouts", "TokenArg"]

HUBFLOW_VERSION = "0.1.0"

TokenArg = str | bool | None
"""A per-call token: a string is sent as is, ``False`` sends none, ``True`` requires the stored
token, ``None`` uses the instance default (then the stored token unless
``HF_HUB_DISABLE_IMPLICIT_TOKEN`` is set)."""


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """How many nodes of each resource may run at once.

    ``commit`` is per (repo_id, repo_type, revision): commits to different branches run in parallel.

    ```python
    settings = Settings.from_env(limits=Limits(transfer=8, api=16))
    ```
    """

    hash: int = msgspec.field(default_factory=lambda: os.cpu_count() or 1)
    api: int = 8
    transfer: int = 4
    commit: int = 1


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Retry budget and back-off: waits are ``base_wait * 2**attempt`` capped at ``max_wait``,
    with full jitter when ``jitter`` is true. ``Retry-After`` / ``RateLimit`` override the wait
    (plus ``server_wait_padding``, 1 s like huggingface_hub), still capped at ``max_server_wait``.

    ```python
    settings = Settings.from_env(retry=RetryPolicy(max_retries=2, base_wait=0.5))
    ```
    """

    max_retries: int = 5
    base_wait: float = 1.0
    max_wait: float = 8.0
    jitter: bool = True
    server_wait_padding: float = 1.0
    max_server_wait: float = 300.0


class Timeouts(msgspec.Struct, frozen=True, kw_only=True):
    """Per-request timeouts in seconds (None: no timeout, as huggingface_hub's shared client).

    ```python
    settings = msgspec.structs.replace(Settings.from_env(), timeouts=Timeouts(api=30.0))
    ```
    """

    api: float | None = 60.0
    etag: float = 10.0
    download: float = 10.0


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The configuration shared by a client, its graphs and its facade.

    ``token`` is the instance default for ``TokenArg`` (see ``TokenArg``).

    ```python
    settings = Settings.from_env(endpoint="http://127.0.0.1:8080", token="hf_alice_write")
    results = await run(graph, settings)
    ```
    """

    endpoint: str = "https://huggingface.co"
    token: str | bool | None = None
    stored_token: str | None = None
    """The token found in the environment/token file when the settings were built."""
    disable_implicit_token: bool = False
    library_name: str | None = None
    library_version: str | None = None
    user_agent: str | dict[str, str] | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    cache_dir: str = "~/.cache/huggingface/hub"
    hf_home: str = "~/.cache/huggingface"
    offline: bool = False
    disable_progress_bars: bool | None = None
    limits: Limits = msgspec.field(default_factory=Limits)
    retry: RetryPolicy = msgspec.field(default_factory=RetryPolicy)
    timeouts: Timeouts = msgspec.field(default_factory=Timeouts)

    @classmethod
    def from_env(
        cls,
        *,
        endpoint: str | None = None,
        token: str | bool | None = None,
        library_name: str | None = None,
        library_version: str | None = None,
        user_agent: str | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        cache_dir: str | Path | None = None,
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
    ) -> Settings:
        """Build settings from explicit arguments, falling back to the ``HF_*`` environment now.

        ```python
        Settings.from_env(endpoint="http://127.0.0.1:8000", token="hf_alice_write")
        ```
        """
        env = Environment.read()
        return cls(
            endpoint=(endpoint or env.endpoint).rstrip("/"),
            token=token,
            stored_token=env.stored_token(),
            disable_implicit_token=env.disable_implicit_token,
            library_name=library_name,
            library_version=library_version,
            user_agent=user_agent,
            headers=dict(headers or {}),
            cache_dir=str(Path(cache_dir).expanduser()) if cache_dir is not None else str(env.hub_cache),
            hf_home=str(env.hf_home),
            offline=env.offline,
            disable_progress_bars=env.disable_progress_bars,
            limits=limits or Limits(),
            retry=retry or RetryPolicy(),
            timeouts=Timeouts(etag=env.etag_timeout, download=env.download_timeout),
        )

    def token_to_send(self, token: TokenArg = None) -> str | None:
        """The token to put in ``Authorization`` for a call given its ``token=`` argument.

        ```python
        Settings(token="hf_a").token_to_send(None)   # "hf_a"
        Settings(token="hf_a").token_to_send(False)  # None
        ```
        """
        if token is None:
            token = self.token
        if isinstance(token, str):
            return token
        if token is False:
            return None
        if token is True:
            if self.stored_token is None:
                raise LocalTokenNotFoundError(
                    "Token is required (`token=True`), but no token found. You need to provide a token or be"
                    " logged in to Hugging Face (HF_TOKEN or the token file)."
                )
            return self.stored_token
        return None if self.disable_implicit_token else self.stored_token

    def user_agent_string(self) -> str:
        """``"{lib}/{ver}; hubflow/{ver}; python/{ver}; <user_agent>"``, duplicates removed.

        ```python
        Settings(library_name="mylib", library_version="1.0").user_agent_string()
        # "mylib/1.0; hubflow/0.1.0; python/3.11.9"
        ```
        """
        parts = [
            f"{self.library_name}/{self.library_version}" if self.library_name else "unknown/None",
            f"hubflow/{HUBFLOW_VERSION}",
            f"python/{platform.python_version()}",
        ]
        if isinstance(self.user_agent, dict):
            parts.extend(f"{k}/{v}" for k, v in self.user_agent.items())
        elif isinstance(self.user_agent, str):
            parts.append(self.user_agent)
        return "; ".join(dict.fromkeys(parts))

