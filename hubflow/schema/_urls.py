"""`RepoUrl` and `DuplicatedRepoUrl`: repository URLs that know their repo id and type.

Design: like huggingface_hub, `RepoUrl` is a `str` subclass (users concatenate it, print it,
compare it to strings) built client-side from the `url` of a create/duplicate answer. msgspec
does not encode `str` subclasses by itself, so the journal passes `enc_hook`/`dec_hook` from
this module (`RepoUrl` encodes as its plain string and decodes back with the parser).

```python
url = RepoUrl("http://127.0.0.1:8080/datasets/alice/d1", endpoint="http://127.0.0.1:8080")
assert url.repo_id == "alice/d1" and url.repo_type == "dataset"
```
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from hubflow.schema._base import Wire

__all__ = [
    "CreateRepoResponse",
    "DuplicateRepoResponse",
    "DuplicatedRepoUrl",
    "RepoUrl",
    "dec_hook",
    "enc_hook",
]

DEFAULT_ENDPOINT = "https://huggingface.co"
_TYPE_PREFIXES = {"datasets": "dataset", "spaces": "space", "models": "model", "kernels": "kernel"}


def _split_url(url: str, endpoint: str) -> tuple[str, str]:
    """Return `(repo_type, repo_id)` from a repo URL, an `hf://` URI or a bare id."""
    base = endpoint.rstrip("/")
    if url.startswith(base + "/"):
        path = url[len(base) :]
    elif url.startswith("hf://"):
        path = url[len("hf://") :]
    elif "://" in url:
        path = urlsplit(url).path
    else:
        path = url
    parts = [p for p in path.split("?")[0].split("/") if p]
    repo_type = "model"
    if parts and parts[0] in _TYPE_PREFIXES and len(parts) > 1:
        repo_type = _TYPE_PREFIXES[parts[0]]
        parts = parts[1:]
    if not parts or len(parts) > 2:
        raise ValueError(f"Cannot parse a repo id from URL {url!r} (endpoint {endpoint!r}).")
    return repo_type, "/".join(parts)


class RepoUrl(str):
    """A repository URL (a `str`) with `endpoint`, `namespace`, `repo_name`, `repo_id`, `repo_type`, `url`.

    ```python
    url = RepoUrl("https://huggingface.co/alice/m1")
    assert (url.namespace, url.repo_name, url.repo_type) == ("alice", "m1", "model")
    ```
    """

    endpoint: str
    namespace: str | None
    repo_name: str
    repo_id: str
    repo_type: str

    def __new__(cls, url: Any, endpoint: str | None = None) -> RepoUrl:
        endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
        text = str(url)
        # A Hub behind a proxy answers with the public host: point it at the configured endpoint.
        if endpoint != DEFAULT_ENDPOINT:
            text = text.replace(DEFAULT_ENDPOINT, endpoint)
        self = super().__new__(cls, text)
        self.endpoint = endpoint
        self.repo_type, self.repo_id = _split_url(text, endpoint)
        namespace, _, name = self.repo_id.rpartition("/")
        self.namespace = namespace or None
        self.repo_name = name
        return self

    @classmethod
    def from_url(cls, url: str, endpoint: str | None = None) -> RepoUrl:
        """Parse `url` (web URL, `hf://` URI or bare repo id) on `endpoint`.

        ```python
        RepoUrl.from_url("hf://spaces/alice/s1").repo_type  # "space"
        ```
        """
        return cls(url, endpoint=endpoint)

    @property
    def url(self) -> str:
        """The URL as a plain `str`."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return (
            f"RepoUrl('{self.url}', endpoint='{self.endpoint}', repo_type='{self.repo_type}', "
            f"repo_id='{self.repo_id}')"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.endpoint))


class DuplicatedRepoUrl(RepoUrl):
    """`RepoUrl` returned by `duplicate_repo`, plus `files_copy_pending`.

    ```python
    url = DuplicatedRepoUrl("https://huggingface.co/alice/copy", files_copy_pending=True)
    ```
    """

    files_copy_pending: bool

    def __new__(
        cls, url: Any, endpoint: str | None = None, files_copy_pending: bool = False
    ) -> DuplicatedRepoUrl:
        self: DuplicatedRepoUrl = super().__new__(cls, url, endpoint)  # type: ignore[assignment]
        self.files_copy_pending = files_copy_pending
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.endpoint, self.files_copy_pending))


class CreateRepoResponse(Wire, frozen=True):
    """Answer of `POST /api/repos/create` (also the body of its 409): `{"url": ...}`.

    ```python
    RepoUrl(msgspec.json.decode(body, type=CreateRepoResponse).url, endpoint=E)
    ```
    """

    url: str


class DuplicateRepoResponse(Wire, frozen=True):
    """Answer of `POST /api/{T}/{R}/duplicate`: `{"url", "filesCopyPending"}`.

    ```python
    r = msgspec.json.decode(body, type=DuplicateRepoResponse)
    DuplicatedRepoUrl(r.url, endpoint=E, files_copy_pending=r.files_copy_pending)
    ```
    """

    url: str
    files_copy_pending: bool = False


def enc_hook(obj: Any) -> Any:
    """msgspec `enc_hook` for schema values msgspec cannot encode alone (`RepoUrl`).

    ```python
    msgspec.json.encode(url, enc_hook=enc_hook)  # b'"https://huggingface.co/alice/m1"'
    ```
    """
    if isinstance(obj, RepoUrl):
        return str.__str__(obj)
    raise NotImplementedError(f"Cannot encode {type(obj).__name__}")


def dec_hook(tp: type, obj: Any) -> Any:
    """msgspec `dec_hook` rebuilding `RepoUrl` values (endpoint taken from the URL itself).

    ```python
    msgspec.json.decode(b'"https://huggingface.co/alice/m1"', type=RepoUrl, dec_hook=dec_hook)
    ```
    """
    if isinstance(tp, type) and issubclass(tp, RepoUrl) and isinstance(obj, str):
        parts = urlsplit(obj)
        endpoint = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
        return tp(obj, endpoint=endpoint)
    raise NotImplementedError(f"Cannot decode {tp!r}")
