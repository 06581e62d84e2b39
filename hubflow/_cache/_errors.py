"""The cache's own error type, a child of `hubflow.errors.CorruptedCacheException`.

`BlobIntegrityError` is also an `OSError`, matching huggingface_hub, whose size check raises
`OSError("Consistency check failed ...")`: existing `except OSError` clauses keep working.

```python
>>> issubclass(BlobIntegrityError, OSError)
True
```
"""

from __future__ import annotations

from hubflow.errors import CorruptedCacheException, HFValidationError

__all__ = ["BlobIntegrityError", "CorruptedCacheException", "HFValidationError"]


class BlobIntegrityError(CorruptedCacheException, OSError):
    """A downloaded blob has the wrong size or sha256; it was deleted, not cached.

    ```python
    >>> raise BlobIntegrityError("Consistency check failed: ...")  # doctest: +SKIP
    ```
    """
