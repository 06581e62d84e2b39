"""Storage used per repo: ``GET /api/settings/repositories`` and ``/api/organizations/{org}/settings/repositories``.

What huggingface_hub's ``list_user_repos`` reads. A repo's ``storage`` is computed from what this
Hub stores: the bytes of its git object database on disk (loose objects and packs) plus the LFS
objects referenced by any commit reachable from any of its refs (branches, tags, PR refs), each
object counted once, and only if it is in the LFS store and linked to the repo. History counts:
a file deleted in the last commit still takes space until the history is squashed, as on the Hub.
``storagePercent`` is the repo's share of its namespace's total (0 when the namespace uses nothing).

Rights: the user list is the caller's own repos (private included); an organisation's needs
membership (403 otherwise, 404 for an unknown organisation). Items come largest first,
``Link``-paginated.

```python
# GET /api/settings/repositories  (Authorization: Bearer hf_alice_write)
# → [{"id": "alice/m", "type": "model", "updatedAt": "...Z", "visibility": "private",
#     "storage": 2048, "storagePercent": 66.6}, ...]
```
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

from dulwich.objects import S_ISGITLINK, ObjectID, Tree
from starlette.responses import Response

from hubflow.server._db import RepoRow, User, iso
from hubflow.server._errors import HubError, forbidden
from hubflow.server._gitstore import GitRepo
from hubflow.server._hub import Hub
from hubflow.server._offset_pages import link_page
from hubflow.server._router import Ctx, Router

__all__ = ["repo_storage", "router"]

router = Router()

# (git dir, refs snapshot) -> referenced LFS oids and sizes: history is immutable, so a repo whose
# refs did not move keeps its answer; a commit, branch or squash changes the key.
_LFS_REFS: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, int]] = {}
_LFS_REFS_MAX = 4096
_GUARD = threading.Lock()


def _dir_bytes(path: Path) -> int:
    """Bytes of the regular files under ``path`` (recursively); 0 if it does not exist."""
    total = 0
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            total += _dir_bytes(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            total += entry.stat(follow_symlinks=False).st_size
    return total


def _referenced_lfs(git: GitRepo) -> dict[str, int]:
    """LFS pointers (sha256 → size) in every tree of every commit reachable from any ref."""
    heads = [sha for sha in (git.resolve(ref) for ref in git.refs()) if sha is not None]
    if not heads:
        return {}
    store = git.repo.object_store
    found: dict[str, int] = {}
    seen_trees: set[bytes] = set()
    pending: list[bytes] = []
    for entry in git.repo.get_walker(include=[ObjectID(sha.encode()) for sha in heads]):
        pending.append(entry.commit.tree)
        while pending:
            tree_sha = pending.pop()
            if tree_sha in seen_trees:
                continue
            seen_trees.add(tree_sha)
            tree = store[ObjectID(tree_sha)]
            assert isinstance(tree, Tree)
            for item in tree.iteritems():
                if stat.S_ISDIR(item.mode):
                    pending.append(item.sha)
                elif not S_ISGITLINK(item.mode):
                    pointer = git.blob_info(item.sha)[1]  # cached per blob sha
                    if pointer is not None:
                        found[pointer[0]] = pointer[1]
    return found


def repo_storage(hub: Hub, row: RepoRow) -> int:
    """Bytes one repo occupies: its git objects on disk plus the LFS objects its history references.

    ```python
    repo_storage(hub, hub.db.get_repo("model", "alice", "m"))   # e.g. 1_048_821
    ```
    """
    path = hub.git.path(row.type, row.namespace, row.name)
    if not path.exists():
        return 0
    git = hub.open_git(row)
    try:
        key = (str(path), tuple(sorted(git.refs().items())))
        with _GUARD:
            referenced = _LFS_REFS.get(key)
        if referenced is None:
            referenced = _referenced_lfs(git)
            with _GUARD:
                if len(_LFS_REFS) >= _LFS_REFS_MAX:
                    _LFS_REFS.clear()
                _LFS_REFS[key] = referenced
    finally:
        git.close()
    linked = {r["oid"]: int(r["size"]) for r in hub.db.query(
        "SELECT oid, size FROM lfs_objects WHERE repo_id = ?", row.id)}
    # A pointer pushed without its object (or to an object of another repo) occupies nothing here.
    lfs = sum(size for oid, size in referenced.items() if linked.get(oid) == size and hub.lfs.exists(oid, size))
    return _dir_bytes(path / "objects") + lfs


def _items(hub: Hub, namespace: str) -> list[dict[str, Any]]:
    rows = [hub.db.get_repo(r["type"], r["namespace"], r["name"]) for r in hub.db.query(
        "SELECT type, namespace, name FROM repos WHERE namespace = ? ORDER BY id", namespace)]
    sized = [(row, repo_storage(hub, row)) for row in rows if row is not None]
    total = sum(size for _, size in sized)
    sized.sort(key=lambda pair: (-pair[1], pair[0].type, pair[0].name))
    return [
        {
            "id": row.repo_id,
            "type": row.type,
            "updatedAt": iso(row.last_modified),
            "visibility": "private" if row.private else "public",
            "storage": size,
            "storagePercent": size * 100 / total if total else 0.0,
        }
        for row, size in sized
    ]


def _caller(ctx: Ctx) -> User:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to read storage usage")
    return ctx.user


@router.route("GET", "/api/settings/repositories")
def own_repositories(ctx: Ctx) -> Response:
    user = _caller(ctx)
    return link_page(ctx, _items(ctx.hub, user.name))


@router.route("GET", "/api/organizations/{rev}/settings/repositories")
def org_repositories(ctx: Ctx) -> Response:
    user = _caller(ctx)
    name = ctx.params["rev"]
    account = ctx.hub.db.account(name)
    if account is None or account["kind"] != "org":
        raise HubError(404, f"Organization {name} not found")
    if not ctx.hub.db.is_member(name, user.name):
        raise forbidden(f"Only members of {name} can read its storage usage")
    return link_page(ctx, _items(ctx.hub, name))
