"""The tree listing's fast path: revisions read from the ref files, encoded pages kept per commit.

A page of ``GET /api/{T}/{R}/tree/{rev}`` is a pure function of (repository, commit, path,
recursive, offset, size): a commit fixes its whole tree. Once encoded, a page is served from
memory, and a request only redoes what can change between requests: the token and the repo's
visibility (the route checks both every time) and where the revision points now. That last
question is answered from the ref files alone (dulwich's ``DiskRefsContainer``, ~10 µs) instead
of opening the repository (~0.15 ms, plus pack index reads to look at the commit). The object a
ref names is peeled to its commit once: objects are content-addressed, so that never changes.

```python
target = ref_target(repo_path, "main")           # b"6f55..." (what refs/heads/main names) or None
sha = commit_of(repo_path, created_at, "main", target)  # the commit, or None: ask GitRepo instead
body, more = PAGES.get((str(repo_path), sha, "", True, 0, 1000)) or (None, False)
```
"""

from __future__ import annotations

import threading
from pathlib import Path

from dulwich.refs import DiskRefsContainer, Ref

# The same name rules as GitRepo.ref_for: ref names become file paths, nothing may escape refs/.
from hubflow.server._gitstore import _HEX40, _SAFE_REV, GitRepo

__all__ = ["PAGES", "PageCache", "PageKey", "commit_of", "peel", "ref_target", "remember_commit"]

# object id a ref names -> its commit (an annotated tag peels to the commit it tags). Global:
# an object id fixes the object's content in every repository.
_PEELED: dict[bytes, str] = {}
# (repo path, repo created_at, commit sha): commits known to exist in that repo. Git objects are
# never removed here; a repo deleted and created again under the same name has a new created_at.
_COMMITS: set[tuple[str, float, str]] = set()
_MAX_KEYS = 100_000

PageKey = tuple[str, str, str, bool, int, int]
"""(repo path, commit sha, path in repo, recursive, offset, page size)."""


def ref_target(repo_path: Path, rev: str) -> bytes | None:
    """The object id the ref ``rev`` names (a branch wins over a tag, as in ``GitRepo.ref_for``), or None.

    ```python
    ref_target(Path(".../alice/m.git"), "main")   # b"6f55a1b8..."
    ```
    """
    if not _SAFE_REV.match(rev):
        return None
    refs = DiskRefsContainer(str(repo_path))
    candidates = [rev] if rev.startswith("refs/") else [f"refs/heads/{rev}", f"refs/tags/{rev}"]
    for name in candidates:
        try:
            return bytes(refs[Ref(name.encode())])
        except KeyError:
            continue
    return None


def commit_of(repo_path: Path, created_at: float, rev: str, target: bytes | None) -> str | None:
    """The commit ``rev`` denotes, from memory only; None when the repository must be asked.

    ``target`` is ``ref_target(repo_path, rev)``: a ref resolves through the peel memo, a
    revision that is no ref resolves if it is a commit sha seen in this repo before.
    """
    if target is not None:
        return _PEELED.get(target)
    if _HEX40.match(rev) and (str(repo_path), created_at, rev) in _COMMITS:
        return rev
    return None


def peel(git: GitRepo, target: bytes) -> str:
    """The commit an object id leads to (annotated tags followed), remembered for ``commit_of``."""
    store = git.repo.object_store
    obj = store[target]  # type: ignore[index]
    while obj.type_name == b"tag":
        obj = store[obj.object[1]]  # type: ignore[attr-defined]
    sha: str = obj.id.decode()
    if len(_PEELED) >= _MAX_KEYS:
        _PEELED.clear()
    _PEELED[target] = sha
    return sha


def remember_commit(repo_path: Path, created_at: float, sha: str) -> None:
    """Note that commit ``sha`` exists in this repository (a later ``commit_of`` by sha skips git)."""
    if len(_COMMITS) >= _MAX_KEYS:
        _COMMITS.clear()
    _COMMITS.add((str(repo_path), created_at, sha))


class PageCache:
    """Encoded pages ``(json body, has next page)`` by ``PageKey``; emptied past ``max_bytes``.

    ```python
    cache = PageCache(max_bytes=1 << 20)
    cache.put(key, (b"[...]", True))
    cache.get(key)   # (b"[...]", True)
    ```
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: dict[PageKey, tuple[bytes, bool]] = {}
        self._bytes = 0
        self._lock = threading.Lock()  # pages are stored from worker threads, read on the event loop

    def get(self, key: PageKey) -> tuple[bytes, bool] | None:
        return self._pages.get(key)

    def put(self, key: PageKey, page: tuple[bytes, bool]) -> None:
        with self._lock:
            if self._bytes + len(page[0]) > self.max_bytes:
                self._pages.clear()
                self._bytes = 0
            if key not in self._pages:
                self._bytes += len(page[0])
            self._pages[key] = page


PAGES = PageCache(max_bytes=64 * 1024 * 1024)
"""The process's tree pages (non-``expand`` listings; ``expand`` pages carry last-commit data)."""
