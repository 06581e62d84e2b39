"""Base classes shared by every wire type.

`Wire` is the base of every response type: a frozen, keyword-only msgspec Struct whose
snake_case attributes map to camelCase keys on the wire. Unknown keys are ignored (msgspec's
default), so a Hub that sends more fields never breaks decoding.

```python
class Example(Wire):
    last_modified: datetime | None = None     # wire key: "lastModified"

msgspec.json.decode(b'{"lastModified": "2024-01-01T00:00:00Z"}', type=Example)
```
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["DictAccess", "Wire"]


class Wire(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of the wire types: frozen, keyword-only, camelCase on the wire.

    Subclasses repeat `frozen=True` only so that type checkers see it (msgspec inherits it).

    ```python
    class GitRefInfo(Wire):
        name: str
        target_commit: str
    ```
    """


class DictAccess:
    """Mixin giving `obj["field"]` access.

    huggingface_hub made a few small result classes (`BlobLfsInfo`, `LastCommitInfo`, ...)
    `dict` subclasses for backward compatibility; this keeps `info.lfs["size"]` working.

    ```python
    lfs = BlobLfsInfo(size=1, sha256="ab", pointer_size=130)
    assert lfs["size"] == lfs.size
    ```
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if key not in self.__struct_fields__:  # type: ignore[attr-defined]
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return `self[key]`, or `default` when the field does not exist."""
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> tuple[str, ...]:
        """The field names, as a dict would list its keys."""
        return tuple(self.__struct_fields__)  # type: ignore[attr-defined]
