"""The cache's error type, taken from `hubflow.errors` when that module provides it.

`BlobIntegrityError` is also an `OSError`, matching huggingface_hub, whose size check raises
`OSError("Consistency check failed ...")`: existing `except OSError` clauses keep working.

```python
>>> issubclass(BlobIntegrityError, OSError)
True
```
"""

from __future__ import annotations

try:
    from hubflow.errors import CorruptedCacheException
except ImportError:  # the errors module is written in parallel; fall back until it lands

    class CorruptedCacheException(Exception):  # type: ignore[no-redef]
        """The cache holds (or was about to receive) data that is not what the Hub served."""


__all__ = ["BlobIntegrityError", "CorruptedCacheException"]


class BlobIntegrityError(CorruptedCacheException, OSError):
    """A downloaded blob has the wrong size or sha256; it was deleted, not cached.

    ```python
    >>> raise BlobIntegrityError("Consistency check failed: ...")  # doctest: +SKIP
    ```
    """
