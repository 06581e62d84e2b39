"""Repositories as bare git repos (dulwich): revisions, trees, blobs, LFS pointers and atomic commits.

Layout (a contract shared with the git smart-HTTP module): ``<root>/{type}s/{namespace}/{name}.git``.
LFS files are stored in git as standard pointer files; their bytes live in the LFS store.

```python
store = GitStore(Path("/tmp/hub/repos"))
git = store.init("model", "alice", "m", gitattributes=b"*.bin filter=lfs diff=lfs merge=lfs -text\\n")
sha = git.commit("refs/heads/main", [AddBlob("a.txt", b"hi")], "Add a.txt", author="alice")
```
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dulwich.object_store import DiskObjectStore
from dulwich.objects import S_ISGITLINK, Blob, Commit, ObjectID, ShaFile, Tree
from dulwich.refs import Ref
from dulwich.repo import Repo

from hubflow.server._errors import HubError, bad_request
from hubflow.server._pack import PackWriter, write_pack

_POINTER = re.compile(rb"^version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_SAFE_REV = re.compile(r"^(?!.*\.\.)(?!.*//)(?!/)(?!.*/$)(?!.*\.lock(/|$))[^\x00-\x20~^:?*\[\\]{1,255}$")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
# blob sha -> (size, lfs (sha256, size) or None); git objects are immutable, so caching is always valid.
_BLOB_INFO: dict[bytes, tuple[int, tuple[str, int] | None]] = {}
# (tree sha, prefix, recursive) -> entries: a tree sha fixes its whole listing, so paging through a
# large tree walks it once instead of once per page (the list is never mutated by callers).
_TREE_LISTINGS: dict[tuple[bytes, str, bool], list[Entry]] = {}
_TREE_LISTINGS_MAX = 32
PACK_THRESHOLD = 200  # write more objects than this as one pack rather than loose files


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The standard Git LFS pointer file for an object."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> tuple[str, int] | None:
    if len(data) > 200:
        return None
    m = _POINTER.match(data)
    return (m.group(1).decode(), int(m.group(2))) if m else None


def _oid(sha: bytes | str) -> ObjectID:
    return ObjectID(sha.encode() if isinstance(sha, str) else sha)


def _ref(name: str) -> Ref:
    return Ref(name.encode())


def repo_lock(path: Path) -> threading.Lock:
    """One lock per repository path, shared by every request in this process."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), threading.Lock())


@dataclass(frozen=True)
class Entry:
    """A tree entry at a revision: a file (with LFS info if it is a pointer) or a directory."""

    path: str
    type: str  # "file" | "directory"
    oid: str
    size: int
    lfs: tuple[str, int, int] | None = None  # (sha256, size, pointer size)


@dataclass(frozen=True)
class AddBlob:
    """Add or replace a file. ``oid`` (hex sha, ``data`` then empty): the blob is in the commit's pack already."""

    path: str
    data: bytes
    blob: Blob | None = field(default=None, compare=False, repr=False)  # ``data`` as a git blob, if built already
    oid: bytes | None = None


@dataclass(frozen=True)
class DeleteFile:
    path: str


@dataclass(frozen=True)
class DeleteFolder:
    path: str


Operation = AddBlob | DeleteFile | DeleteFolder


class _Dir:
    """A directory being edited: unchanged subtrees stay as shas, edited ones become ``_Dir`` children."""

    def __init__(self, entries: dict[bytes, tuple[int, bytes]]) -> None:
        self.entries = entries
        self.children: dict[bytes, _Dir] = {}


class GitStore:
    """All repositories under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, type_: str, namespace: str, name: str) -> Path:
        return self.root / f"{type_}s" / namespace / f"{name}.git"

    def open(self, type_: str, namespace: str, name: str) -> GitRepo:
        return GitRepo(self.path(type_, namespace, name))

    def init(self, type_: str, namespace: str, name: str, *, gitattributes: bytes, author: str) -> GitRepo:
        """Create the bare repo with one commit holding ``.gitattributes`` on ``main``."""
        path = self.path(type_, namespace, name)
        if path.exists():  # left over from a crash between git and SQLite: start clean
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        Repo.init_bare(path, mkdir=True, default_branch=b"main").close()
        git = GitRepo(path)
        git.commit("refs/heads/main", [AddBlob(".gitattributes", gitattributes)], "initial commit", author=author)
        return git

    def delete(self, type_: str, namespace: str, name: str) -> None:
        shutil.rmtree(self.path(type_, namespace, name), ignore_errors=True)

    def move(self, src: tuple[str, str, str], dst: tuple[str, str, str]) -> None:
        target = self.path(*dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path(*src).rename(target)


class GitRepo:
    """One bare repository: read revisions and trees, write commits atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = Repo(str(path))
        store = self.repo.object_store
        if isinstance(store, DiskObjectStore):
            # Loose objects are stored, not compressed, as the packs are (``_pack``): zlib at its default
            # level was ~88 % of a 100-file commit's server time (3.7 MB: 79 ms against 9 ms stored).
            store.loose_compression_level = 0
        # Parsed commits and trees of this handle (objects are immutable): a preupload of 256 paths
        # reads the commit and each directory once, not once per path.
        self._parsed: dict[bytes, Commit | Tree] = {}

    def close(self) -> None:
        self.repo.close()

    # -- revisions -----------------------------------------------------------------------------------------
    def refs(self) -> dict[str, str]:
        """Every ref (``refs/heads/main`` → sha), excluding ``HEAD``."""
        out = {}
        for name, sha in self.repo.refs.as_dict().items():
            if name.startswith(b"refs/"):
                out[name.decode()] = sha.decode()
        return out

    def ref_for(self, rev: str) -> str | None:
        """The full ref name a revision denotes (a branch wins over a tag), or None."""
        if not _SAFE_REV.match(rev):  # ref names become file paths inside the repo: never let them escape
            return None
        candidates = [rev] if rev.startswith("refs/") else [f"refs/heads/{rev}", f"refs/tags/{rev}"]
        for cand in candidates:
            if self.has_ref(cand):
                return cand
        return None

    def resolve(self, rev: str) -> str | None:
        """A revision (branch, tag, full ref, commit sha) → commit sha, or None."""
        ref = self.ref_for(rev)
        if ref is not None:
            obj = self.repo.object_store[self.repo.refs[_ref(ref)]]
            while obj.type_name == b"tag":  # annotated tag → its commit
                obj = self.repo.object_store[obj.object[1]]  # type: ignore[attr-defined]
            return obj.id.decode()
        store = self.repo.object_store
        if _HEX40.match(rev) and _oid(rev) in store and store[_oid(rev)].type_name == b"commit":
            return rev
        return None

    def _parsed_object(self, oid: bytes) -> Commit | Tree:
        obj = self._parsed.get(oid)
        if obj is None:
            found = self.repo.object_store[_oid(oid)]
            assert isinstance(found, (Commit, Tree))
            obj = self._parsed[oid] = found
        return obj

    def commit_obj(self, sha: str) -> Commit:
        obj = self._parsed_object(sha.encode())
        assert isinstance(obj, Commit)
        return obj

    # -- trees ---------------------------------------------------------------------------------------------
    def _tree(self, sha: bytes) -> Tree:
        obj = self._parsed_object(sha)
        assert isinstance(obj, Tree)
        return obj

    def _lookup(self, commit: str, path: str) -> tuple[int, bytes] | None:
        """(mode, sha) of ``path`` at ``commit``; the root tree for ``""``."""
        mode, sha = stat.S_IFDIR, self.commit_obj(commit).tree
        for part in [p for p in path.split("/") if p]:
            if not stat.S_ISDIR(mode):
                return None
            tree = self._tree(sha)
            try:
                mode, sha = tree[part.encode()]
            except KeyError:
                return None
        return mode, sha

    def blob_info(self, sha: bytes) -> tuple[int, tuple[str, int] | None]:
        """(size in git, LFS pointer (sha256, size) or None) of a blob, cached."""
        info = _BLOB_INFO.get(sha)
        if info is None:
            data = self.repo.object_store[_oid(sha)].as_raw_string()
            info = (len(data), parse_pointer(data))
            if len(_BLOB_INFO) > 500_000:
                _BLOB_INFO.clear()
            _BLOB_INFO[sha] = info
        return info

    def _entry(self, path: str, mode: int, sha: bytes) -> Entry:
        if stat.S_ISDIR(mode):
            return Entry(path=path, type="directory", oid=sha.decode(), size=0)
        size, lfs = self.blob_info(sha)
        if lfs is not None:
            return Entry(path=path, type="file", oid=sha.decode(), size=lfs[1], lfs=(lfs[0], lfs[1], size))
        return Entry(path=path, type="file", oid=sha.decode(), size=size)

    def entry(self, commit: str, path: str) -> Entry | None:
        found = self._lookup(commit, path)
        if found is None or not path:
            return None
        if S_ISGITLINK(found[0]):
            return None
        return self._entry(path, *found)

    def file_entries(self, commit: str, paths: Iterable[str]) -> dict[str, Entry]:
        """The files among ``paths`` at ``commit`` (absent paths, directories and submodules left out).

        Each directory is looked up once, not once per file (a preupload asks for 256 paths).
        """
        trees: dict[str, Tree | None] = {}
        found: dict[str, Entry] = {}
        for path in paths:
            parent, _, name = path.rpartition("/")
            if parent not in trees:
                at = self._lookup(commit, parent)
                trees[parent] = self._tree(at[1]) if at is not None and stat.S_ISDIR(at[0]) else None
            tree = trees[parent]
            if tree is None or not name:
                continue
            try:
                mode, sha = tree[name.encode()]
            except KeyError:
                continue
            if not stat.S_ISDIR(mode) and not S_ISGITLINK(mode):
                found[path] = self._entry(path, mode, sha)
        return found

    def list_tree(self, commit: str, path: str = "", *, recursive: bool = False) -> list[Entry] | None:
        """Entries under ``path`` (None if it is not a directory); recursive lists directories too."""
        found = self._lookup(commit, path)
        if found is None or not stat.S_ISDIR(found[0]):
            return None
        key = (found[1], path.strip("/"), recursive)
        cached = _TREE_LISTINGS.get(key)
        if cached is not None:
            return cached
        out: list[Entry] = []
        self._walk(found[1], path.strip("/"), recursive, out)
        if len(_TREE_LISTINGS) >= _TREE_LISTINGS_MAX:
            _TREE_LISTINGS.clear()
        _TREE_LISTINGS[key] = out
        return out

    def _walk(self, tree_sha: bytes, prefix: str, recursive: bool, out: list[Entry]) -> None:
        for item in self._tree(tree_sha).iteritems():
            name = item.path.decode()
            full = f"{prefix}/{name}" if prefix else name
            if S_ISGITLINK(item.mode):
                continue
            out.append(self._entry(full, item.mode, item.sha))
            if recursive and stat.S_ISDIR(item.mode):
                self._walk(item.sha, full, True, out)

    def read_blob(self, oid: str) -> bytes:
        return self.repo.object_store[_oid(oid)].as_raw_string()

    def history(self, commit: str) -> Iterator[Commit]:
        """Commits reachable from ``commit``, newest first."""
        for entry in self.repo.get_walker(include=[_oid(commit)]):
            yield entry.commit

    def last_commits(self, commit: str, paths: list[str], max_depth: int = 2000) -> dict[str, Commit]:
        """For each path, the newest first-parent commit that changed it (for ``expand=true``)."""
        pending = {p: self._lookup(commit, p) for p in paths}
        found: dict[str, Commit] = {}
        current = self.commit_obj(commit)
        for _ in range(max_depth):
            if not pending:
                break
            parent = self.commit_obj(current.parents[0].decode()) if current.parents else None
            for p, value in list(pending.items()):
                before = self._lookup(parent.id.decode(), p) if parent is not None else None
                if before != value:
                    found[p] = current
                    del pending[p]
            if parent is None:
                break
            current = parent
        return found

    # -- writing -------------------------------------------------------------------------------------------
    def _load_dir(self, sha: bytes | None) -> _Dir:
        if sha is None:
            return _Dir({})
        return _Dir({item.path: (item.mode, item.sha) for item in self._tree(sha).iteritems()})

    def _descend(self, root: _Dir, parts: list[str], *, create: bool) -> _Dir | None:
        node = root
        for part in parts:
            key = part.encode()
            child = node.children.get(key)
            if child is None:
                existing = node.entries.get(key)
                if existing is not None and not stat.S_ISDIR(existing[0]):
                    raise bad_request(f"A file exists where a folder is expected: {part!r}")
                if existing is None and not create:
                    return None
                child = self._load_dir(existing[1] if existing else None)
                node.children[key] = child
            node = child
        return node

    def _write_tree(self, node: _Dir, objects: list[ShaFile]) -> bytes | None:
        for key, child in node.children.items():
            sha = self._write_tree(child, objects)
            if sha is None:
                node.entries.pop(key, None)
            else:
                node.entries[key] = (stat.S_IFDIR, sha)
        if not node.entries:
            return None
        tree = Tree()
        for key, (mode, sha) in node.entries.items():
            tree.add(key, mode, _oid(sha))
        objects.append(tree)
        return tree.id

    def build_tree(self, base_tree: bytes | None, ops: list[Operation], objects: list[ShaFile]) -> bytes:
        """Apply operations to a tree in memory; new objects are appended to ``objects``."""
        root = self._load_dir(base_tree)
        for op in ops:
            *dirs, leaf = op.path.split("/")
            key = leaf.encode()
            if isinstance(op, AddBlob):
                node = self._descend(root, dirs, create=True)
                assert node is not None
                if key in node.children or stat.S_ISDIR(node.entries.get(key, (0, b""))[0]):
                    raise bad_request(f"A folder exists where a file is expected: {op.path!r}")
                if op.oid is not None:  # written to the commit's pack while the body was parsed
                    node.entries[key] = (0o100644, op.oid)
                    continue
                blob = op.blob if op.blob is not None else Blob.from_string(op.data)
                objects.append(blob)
                node.entries[key] = (0o100644, blob.id)
                continue
            node = self._descend(root, dirs, create=False)
            existing = node.entries.get(key) if node is not None else None
            if isinstance(op, DeleteFile):
                if node is None or existing is None or stat.S_ISDIR(existing[0]):
                    raise HubError(404, f"A file with this name doesn't exist: {op.path}", code="EntryNotFound")
                del node.entries[key]
            else:
                if node is None or (existing is None and key not in node.children):
                    raise HubError(404, f"A folder with this name doesn't exist: {op.path}", code="EntryNotFound")
                node.entries.pop(key, None)
                node.children.pop(key, None)
        sha = self._write_tree(root, objects)
        if sha is None:  # git has no empty-tree entries, but a root may be empty
            empty = Tree()
            objects.append(empty)
            sha = empty.id
        return sha

    def missing(self, objects: list[ShaFile]) -> list[ShaFile]:
        """The distinct objects of ``objects`` not in the store yet, in order.

        One listing of the pack directory for the whole batch (``sha in store`` lists it again
        for every object it does not find), then a stat per object not in a pack.
        """
        store = self.repo.object_store
        assert isinstance(store, DiskObjectStore)
        packs = store.packs
        out = []
        for obj in {o.id: o for o in objects}.values():
            sha = obj.id
            if any(sha in pack for pack in packs):
                continue
            if os.path.exists(os.path.join(store.path, sha[:2].decode(), sha[2:].decode())):
                continue
            out.append(obj)
        return out

    def write_objects(self, objects: list[ShaFile]) -> None:
        store = self.repo.object_store
        fresh = self.missing(objects)
        if len(fresh) > PACK_THRESHOLD:
            # One pack of stored (level 0) zlib streams, indexed from the writer's offsets (see _pack).
            assert isinstance(store, DiskObjectStore)
            write_pack(store, fresh)
        else:
            for obj in fresh:
                store.add_object(obj)

    def make_commit(
        self, tree: bytes, parents: list[str], message: str, author: str, objects: list[ShaFile]
    ) -> Commit:
        c = Commit()
        c.tree = tree
        c.parents = [_oid(p) for p in parents]
        ident = f"{author} <{author}@users.noreply.hubflow.local>".encode()
        c.author = c.committer = ident
        c.author_time = c.commit_time = int(time.time())
        c.author_timezone = c.commit_timezone = 0
        c.encoding = b"UTF-8"
        c.message = message.encode()
        objects.append(c)
        return c

    def commit(
        self, ref: str, ops: list[Operation], message: str, *, author: str, expect: str | None = None,
        base: str | None = None, pack: PackWriter | None = None,
    ) -> str:
        """Apply ``ops`` on top of ``ref`` (or ``base``) and move ``ref``: all objects first, then the ref.

        ``expect``: the sha (or a prefix of it) ``ref`` must still point to; 412 when it moved.
        ``pack``: an unfinished pack holding the blobs of ``ops`` given by ``oid``; the trees and the
        commit are added to it and it is finished before the ref moves (the caller aborts it if this
        raises first). Nothing in it is checked against the store: an object the store has already
        is stored twice, which git and dulwich accept (``git gc`` keeps one).
        """
        with repo_lock(self.path):
            current = self.repo.refs[_ref(ref)].decode() if self.has_ref(ref) else None
            if expect is not None and not (current or "").startswith(expect.lower()):
                raise HubError(412, "The branch was updated since the parent commit; please retry")
            parent = base or current
            objects: list[ShaFile] = []
            base_tree = self.commit_obj(parent).tree if parent else None
            tree = self.build_tree(base_tree, ops, objects)
            commit = self.make_commit(tree, [parent] if parent else [], message, author, objects)
            if pack is not None:
                for obj in objects:
                    pack.add(obj)
                pack.finish()
            else:
                self.write_objects(objects)
            old = _oid(current) if current else None
            if not self.repo.refs.set_if_equals(_ref(ref), old, commit.id):
                raise HubError(412, "The branch was updated concurrently; please retry")
            return commit.id.decode()

    def drop_lfs_files(self, oids: set[str]) -> dict[str, str]:
        """Rewrite every ref's history without the files whose LFS pointer names one of ``oids``.

        Each commit keeps its message, author and times; a commit, tree or parent that does not
        change keeps its id, and a folder left empty disappears. Returns the moved refs (ref →
        new sha). All new objects are written before any ref moves; a ref that moved meanwhile
        is a 412 (the others stay rewritten, as each is a valid history on its own).
        """
        with repo_lock(self.path):
            store = self.repo.object_store
            trees: dict[bytes, bytes | None] = {}
            commits: dict[bytes, bytes] = {}
            objects: list[ShaFile] = []

            def tree(sha: bytes) -> bytes | None:
                if sha in trees:
                    return trees[sha]
                new = Tree()
                changed = False
                for item in self._tree(sha).iteritems():
                    kept: bytes | None = item.sha
                    if stat.S_ISDIR(item.mode):
                        kept = tree(item.sha)
                    elif not S_ISGITLINK(item.mode):
                        pointer = self.blob_info(item.sha)[1]
                        if pointer is not None and pointer[0] in oids:
                            kept = None
                    changed = changed or kept != item.sha
                    if kept is not None:
                        new.add(item.path, item.mode, _oid(kept))
                result: bytes | None = sha
                if changed:
                    result = None
                    if new.items():
                        objects.append(new)
                        result = new.id
                trees[sha] = result
                return result

            def commit(head: bytes) -> bytes:
                # Parents first, without recursion: histories can be long.
                stack = [head]
                while stack:
                    sha = stack[-1]
                    if sha in commits:
                        stack.pop()
                        continue
                    old = self.commit_obj(sha.decode())
                    todo = [p for p in old.parents if p not in commits]
                    if todo:
                        stack.extend(todo)
                        continue
                    stack.pop()
                    parents = [commits[p] for p in old.parents]
                    root = tree(old.tree)
                    if root is None:
                        empty = Tree()
                        objects.append(empty)
                        root = empty.id
                    if root == old.tree and parents == old.parents:
                        commits[sha] = sha
                        continue
                    new = old.copy()
                    assert isinstance(new, Commit)
                    new.tree = root
                    new.parents = [_oid(p) for p in parents]
                    objects.append(new)
                    commits[sha] = new.id
                return commits[head]

            moved: dict[str, tuple[bytes, bytes]] = {}
            for ref, target in self.refs().items():
                sha = target.encode()
                if store[_oid(sha)].type_name != b"commit":
                    continue  # annotated tags: this Hub makes none
                new_sha = commit(sha)
                if new_sha != sha:
                    moved[ref] = (sha, new_sha)
            self.write_objects(objects)
            for ref, (old_sha, new_sha) in moved.items():
                if not self.repo.refs.set_if_equals(_ref(ref), _oid(old_sha), _oid(new_sha)):
                    raise HubError(412, f"{ref} was updated while its history was rewritten; please retry")
            return {ref: new.decode() for ref, (_, new) in moved.items()}

    def set_ref(self, ref: str, sha: str | None, *, old: str | None = None) -> bool:
        """Create, move (compare-and-swap when ``old`` is given) or delete (``sha=None``) a ref."""
        with repo_lock(self.path):
            if sha is None:
                return bool(self.repo.refs.remove_if_equals(_ref(ref), None))
            if old is None:
                return bool(self.repo.refs.add_if_new(_ref(ref), _oid(sha)))
            return bool(self.repo.refs.set_if_equals(_ref(ref), _oid(old), _oid(sha)))

    def has_ref(self, ref: str) -> bool:
        return bool(_SAFE_REV.match(ref)) and _ref(ref) in self.repo.refs
