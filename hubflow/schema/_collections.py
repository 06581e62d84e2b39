"""Collections: `Collection` and `CollectionItem`.

`owner` is kept as sent (the Hub sends an author object). `endpoint` is not on the wire;
the facade sets it for `url`. In listings the client numbers collections itself: set
`position` with `msgspec.structs.replace` there too.

```python
c = msgspec.json.decode(body, type=Collection)
c.slug, [(i.item_type, i.item_id) for i in c.items]
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = ["Collection", "CollectionItem"]

DEFAULT_ENDPOINT = "https://huggingface.co"


class CollectionItem(Wire, frozen=True):
    """An item of a collection: `item_object_id` (`_id`), `item_id`, `item_type`, `position`, `note`.

    ```python
    msgspec.json.decode(b'{"_id": "1", "id": "a/m", "type": "model", "position": 0}', type=CollectionItem)
    ```
    """

    item_object_id: str = msgspec.field(name="_id")
    raw_id: str = msgspec.field(name="id")
    item_type: str = msgspec.field(name="type")
    position: int = 0
    slug: str | None = None
    note_info: Any = msgspec.field(default=None, name="note")

    @property
    def item_id(self) -> str:
        """Repo id, paper id, bucket id, or the slug for a collection inside a collection."""
        return self.slug if self.slug is not None else self.raw_id

    @property
    def note(self) -> str | None:
        """The note as plain text, if any."""
        text = self.note_info.get("text") if isinstance(self.note_info, dict) else None
        return text if isinstance(text, str) else None


class Collection(Wire, frozen=True):
    """A collection (get, create, update, add item; list with `position` set by the client).

    ```python
    c = msgspec.structs.replace(msgspec.json.decode(body, type=Collection), endpoint=E)
    c.url  # "{E}/collections/{slug}"
    ```
    """

    slug: str
    title: str
    owner: Any
    items: list[CollectionItem]
    last_updated: datetime
    private: bool = False
    theme: str = ""
    upvotes: int = 0
    position: int = 0
    description: str | None = None
    endpoint: str = DEFAULT_ENDPOINT

    @property
    def url(self) -> str:
        """Web page of the collection."""
        return f"{self.endpoint}/collections/{self.slug}"
