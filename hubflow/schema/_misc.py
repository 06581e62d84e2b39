"""Small result types of the compatibility surface: ``SpaceSearchResult`` and ``ResolvedRevision``.

```python
msgspec.json.decode(b'{"id": "alice/demo", "semanticRelevancyScore": 0.5}', type=SpaceSearchResult).id
ResolvedRevision("0" * 40, "main", repo_id="alice/m") == "main"      # True: a str holding the commit too
```
"""

from __future__ import annotations

import msgspec

from hubflow.schema._base import Wire
from hubflow.schema._spaces import SpaceRuntime

__all__ = ["ResolvedRevision", "SpaceSearchResult"]


class SpaceSearchResult(Wire, frozen=True):
    """One hit of ``search_spaces`` (``ai_short_description``/``ai_category`` are snake_case on the wire).

    ```python
    hit = msgspec.json.decode(b'{"id": "alice/demo", "likes": 2}', type=SpaceSearchResult)
    hit.id, hit.likes, hit.runtime                      # "alice/demo", 2, None
    ```
    """

    id: str
    author: str = ""
    title: str = ""
    emoji: str | None = None
    sdk: str | None = None
    likes: int = 0
    private: bool = False
    tags: list[str] | None = None
    runtime: SpaceRuntime | None = None
    ai_short_description: str | None = msgspec.field(default=None, name="ai_short_description")
    ai_category: str | None = msgspec.field(default=None, name="ai_category")
    semantic_relevancy_score: float | None = None
    trending_score: int | None = None


class ResolvedRevision(str):
    """A revision already resolved to a commit: the string is the requested revision, ``.resolved`` the sha.

    As ``huggingface_hub.ResolvedRevision``: it is a ``str`` (pass it as ``revision=`` anywhere), its
    value is the revision initially asked for (``"main"`` when none), and it remembers the repo it
    was resolved against (``repo_id=None``: fits any repo).

    ```python
    rev = ResolvedRevision("a" * 40, initial=None, repo_id="alice/m")
    rev == "main", rev.resolved                          # True, "aaaa..."
    ```
    """

    initial: str | None
    resolved: str
    _repo_id: str | None
    _repo_type: str

    def __new__(
        cls, resolved: str, initial: str | None = None, repo_id: str | None = None, repo_type: str | None = None
    ) -> ResolvedRevision:
        revision = super().__new__(cls, initial if initial is not None else "main")
        revision.initial = initial
        revision.resolved = resolved
        revision._repo_id = repo_id
        revision._repo_type = repo_type or "model"
        return revision

    def __reduce__(self) -> tuple[type[ResolvedRevision], tuple[str, str | None, str | None, str]]:
        # without it, pickle/copy rebuild from the string value only and lose the commit
        return type(self), (self.resolved, self.initial, self._repo_id, self._repo_type)

    def __repr__(self) -> str:
        return f"ResolvedRevision(initial={self.initial!r}, resolved={self.resolved!r})"
