"""``hf://`` URIs: ``hf://[<TYPE>/]<ID>[@<REVISION>][/<PATH>]``, as ``huggingface_hub.utils.parse_hf_uri``.

``<TYPE>`` is plural (``datasets``, ``spaces``, ``kernels``, ``buckets``, ``models``; none means a
model). An ``@`` right after ``namespace/name`` starts the revision; ``refs/pr/N`` and
``refs/convert/X`` keep their slashes, other revisions end at the next ``/`` (``%2F`` decodes).
Web URLs (``https://huggingface.co/...``) are not accepted here.

```python
>>> parse_hf_uri("hf://datasets/alice/d@refs/pr/3/train.json")
HfUri(type='dataset', id='alice/d', revision='refs/pr/3', path_in_repo='train.json')
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["HfUri", "parse_hf_uri"]

_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space", "kernels": "kernel", "buckets": "bucket"}
_SINGULAR = {v: k for k, v in _TYPES.items()}
_SPECIAL_REF = re.compile(r"^refs/(?:convert/[\w.-]+|pr/\d+)")


@dataclass(frozen=True)
class HfUri:
    """A parsed ``hf://`` URI: repo ``type``, ``id``, ``revision`` (None: default branch), ``path_in_repo``.

    ```python
    uri = parse_hf_uri("hf://alice/m/weights")
    uri.is_repo, uri.path_in_repo                 # True, "weights"
    ```
    """

    type: str
    id: str
    revision: str | None = None
    path_in_repo: str = ""

    @property
    def is_bucket(self) -> bool:
        """A storage bucket (not supported by hubflow)."""
        return self.type == "bucket"

    @property
    def is_repo(self) -> bool:
        """A model, dataset, space or kernel repository."""
        return not self.is_bucket


def parse_hf_uri(uri: str) -> HfUri:
    """Parse ``hf://[<TYPE>/]<ID>[@<REVISION>][/<PATH>]``; ``ValueError`` when malformed.

    ```python
    >>> parse_hf_uri("hf://alice/m@v1").revision
    'v1'
    ```
    """
    if not uri.startswith("hf://") or len(uri) == len("hf://"):
        raise ValueError(f"Invalid HF URI {uri!r}: expected hf://[<TYPE>/]<ID>[@<REVISION>][/<PATH>]")
    body = uri[len("hf://") :]
    first, _, rest = body.partition("/")
    if first in _TYPES and rest:
        type_, location = _TYPES[first], rest
    elif first in _TYPES or first in _SINGULAR:
        raise ValueError(f"Invalid HF URI {uri!r}: the type prefix must be plural and followed by an id")
    else:
        type_, location = "model", body
    location = location.strip("/")
    if type_ == "bucket":
        parts = location.split("/", 2)
        if len(parts) < 2 or "@" in "/".join(parts[:2]) or not all(parts[:2]):
            raise ValueError(f"Invalid HF URI {uri!r}: a bucket id is 'namespace/name', with no revision")
        return HfUri(type=type_, id=f"{parts[0]}/{parts[1]}", path_in_repo=parts[2] if len(parts) > 2 else "")
    at = location.find("@")
    revision: str | None = None
    if at == -1 or location[:at].count("/") > 1:
        parts = location.split("/", 2)
        if len(parts) < 2 or not all(parts[:2]):
            raise ValueError(f"Invalid HF URI {uri!r}: the repository id must be 'namespace/name'")
        repo_id, path = f"{parts[0]}/{parts[1]}", (parts[2] if len(parts) > 2 else "")
    else:
        repo_id, rev_and_path = location[:at], location[at + 1 :]
        if repo_id.count("/") != 1 or not all(repo_id.split("/")):
            raise ValueError(f"Invalid HF URI {uri!r}: the repository id must be 'namespace/name'")
        special = _SPECIAL_REF.search(rev_and_path)
        if special is not None:
            revision, path = special.group(), rev_and_path[special.end() :].removeprefix("/")
        else:
            revision, _, path = rev_and_path.partition("/")
        revision = unquote(revision)
        if not revision:
            raise ValueError(f"Invalid HF URI {uri!r}: empty revision after '@'")
    return HfUri(type=type_, id=repo_id, revision=revision, path_in_repo=path)
