"""The ``Commit`` node: one streamed NDJSON ``POST /api/{T}/{R}/commit/{rev}``.

It runs after its group's ``UploadsDone`` barrier (every LFS object is stored), reads the
upload modes found by the group's ``FetchUploadModes`` nodes and the hashes of ``HashFile``
(a sampled inline file has none: its git blob id is computed only if a remote file at its path
must be compared), drops no-op additions (remote oid equals the local sha256 / git blob id,
unless the same commit deletes the path) and ignored files, expands copies (``paths-info``: LFS
sources become ``lfsFile`` lines, regular sources are streamed from ``/resolve``) and sends the
body as a stream with a ``Content-Length``: regular files are base64-encoded chunk by chunk from
disk and their git blob id, when known, recomputed on the way (a sampled file's size, mtime and
inode are checked instead); a mismatch raises ``FileChangedError`` before the last byte leaves,
so the server never applies a half-changed commit.

With nothing left to commit it returns a ``CommitInfo`` for the current head
(``GET /api/{T}/{R}/revision/{rev}``), as huggingface_hub does. A commit is retried only with
``parent_commit`` set (the server refuses a second application with 412), and never when it
opens a pull request (a replay would open a second one) — except an attempt whose connection
failed before its whole body was handed over: the Hub cannot have applied it, so the executor
sends it again (``retry_safe(error)``, within the ``RetryPolicy``, with ``NodeRetrying`` events). A retry that meets 412 checks whether
an earlier attempt was applied after all (its answer lost on the way): when the branch head
carries this commit's title, its parent is ``parent_commit`` and it holds this commit's files
(blob ids / LFS sha256 via ``paths-info``, deleted files gone), that commit is the result.

```python
commit = graph.add(Commit(target=target, commit_message="Add", additions=files, mode_batches=[modes]),
                   after=[barrier])
(await run(graph, hub))[commit].oid
```
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Hashable
from contextlib import aclosing
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread
import msgspec
import pybase64

from hubflow._constants import REPO_TYPE_PLURAL, REPO_TYPE_URL_PREFIX
from hubflow._hashing import FileHashes
from hubflow.errors import CommitConflictError, EntryNotFoundError, FileChangedError, HubConnectionError
from hubflow.schema import CommitInfo, CommitResponse, RepoFile, RepoTreeEntry, commit_info_from_response
from hubflow.tasks._base import Task
from hubflow.tasks.hashing import HashFile, check_unchanged, hash_sources, read_chunks, read_whole
from hubflow.tasks.lfs import FetchUploadModes, FileMode, FileToUpload, RepoTarget

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = ["Commit", "CopySpec", "DeleteSpec", "PreuploadedFile", "commit_url"]

_B64_CHUNK = 3 * 256 * 1024  # a multiple of 3: concatenated base64 chunks equal the whole's base64
# Small regular files (≤ one chunk) are read, checked and encoded whole, several per worker-thread
# call, up to this many raw bytes: one thread hop and one body chunk per batch, not per file.
_BATCH_BYTES = 2 * 1024 * 1024


class DeleteSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A ``deletedFile`` (or ``deletedFolder`` when ``is_folder``) line."""

    path_in_repo: str
    is_folder: bool = False


class CopySpec(msgspec.Struct, frozen=True, kw_only=True):
    """A copy of a file already on the Hub (``CommitOperationCopy``)."""

    src_path_in_repo: str
    path_in_repo: str
    src_revision: str | None = None
    src_repo_id: str | None = None
    src_repo_type: str | None = None


class PreuploadedFile(msgspec.Struct, frozen=True, kw_only=True):
    """An LFS file already uploaded by ``preupload_lfs_files``: only its ``lfsFile`` line is sent."""

    path_in_repo: str
    oid: str
    size: int


def commit_url(endpoint: str, target: RepoTarget, oid: str) -> str:
    """``{endpoint}/{prefix}{repo_id}/commit/{oid}``."""
    return f"{endpoint}/{REPO_TYPE_URL_PREFIX[target.repo_type]}{target.repo_id}/commit/{oid}"


def _line(key: str, value: dict[str, Any]) -> bytes:
    return msgspec.json.encode({"key": key, "value": value}) + b"\n"


class _Inline(msgspec.Struct, frozen=True):
    """A ``file`` line whose content is streamed: from a source, or downloaded from a repo."""

    path_in_repo: str
    size: int
    addition: FileToUpload | None = None
    git_sha1: str | None = None
    download_url: str | None = None

    def parts(self) -> tuple[bytes, bytes]:
        prefix = b'{"key":"file","value":{"path":' + msgspec.json.encode(self.path_in_repo)
        return prefix + b',"encoding":"base64","content":"', b'"}}\n'

    def length(self) -> int:
        head, tail = self.parts()
        return len(head) + 4 * ((self.size + 2) // 3) + len(tail)

    @property
    def small(self) -> bool:
        """A local addition read and encoded whole (``_encode_whole``)."""
        return self.addition is not None and self.size <= _B64_CHUNK


def _changed(item: _Inline) -> FileChangedError:
    assert item.addition is not None
    path = item.addition.source.path
    return FileChangedError(f"{path} ({item.path_in_repo}) changed since it was hashed: its git blob id differs.", path)


def _encode_whole(items: list[_Inline]) -> bytes:
    """The ``file`` lines of small additions, read whole and checked against their git blob id, or their
    identity when they were sampled, not hashed (blocking)."""
    out: list[bytes] = []
    for item in items:
        assert item.addition is not None
        # A sampled file (never hashed) has its identity (size, mtime, inode) checked before and after the read.
        data = read_whole(item.addition.source, recheck=item.git_sha1 is None)
        if item.git_sha1 is not None:
            sha1 = hashlib.sha1(b"blob %d\0" % item.size)
            sha1.update(data)
            if sha1.hexdigest() != item.git_sha1:
                raise _changed(item)
        head, tail = item.parts()
        out += (head, pybase64.b64encode(data), tail)
    return b"".join(out)


def _sha1_encode(sha1: Any, chunk: bytes) -> bytes:
    sha1.update(chunk)
    return pybase64.b64encode(chunk)


class Commit(Task[CommitInfo], kw_only=True):
    """Create one commit; see the module docstring. ``part`` > 1 appends ``" (part N)"`` to the title."""

    resource = "commit"
    idempotent = False
    journaled = True

    target: RepoTarget
    commit_message: str
    commit_description: str = ""
    parent_commit: str | None = None
    additions: list[FileToUpload] = msgspec.field(default_factory=list)
    mode_batches: list[FetchUploadModes] = msgspec.field(default_factory=list)
    deletions: list[DeleteSpec] = msgspec.field(default_factory=list)
    copies: list[CopySpec] = msgspec.field(default_factory=list)
    preuploaded: list[PreuploadedFile] = msgspec.field(default_factory=list)
    part: int = 1

    @property
    def label(self) -> str:
        return f"{self.target.repo_id}@{self.target.revision}"

    @property
    def summary(self) -> str:
        return self.commit_message if self.part == 1 else f"{self.commit_message} (part {self.part})"

    def limit_key(self) -> Hashable | None:
        return (self.target.repo_id, self.target.repo_type, self.target.revision)

    def retry_safe(self, error: Exception | None = None) -> bool:
        if isinstance(error, _BodyNotSent):  # the Hub cannot have applied it (nor opened a PR)
            return True
        return self.parent_commit is not None and not self.target.create_pr

    # -- planning ------------------------------------------------------------------------------
    def _modes(self, ctx: Context) -> dict[str, FileMode]:
        return {m.path_in_repo: m for batch in self.mode_batches for m in ctx.result_of(batch)}

    def _is_deleted(self, path: str) -> bool:
        deleted = {d.path_in_repo.rstrip("/") for d in self.deletions}
        return path in deleted or any(str(parent) in deleted for parent in PurePosixPath(path).parents)

    async def _plan(self, ctx: Context) -> list[bytes | _Inline]:
        header: dict[str, Any] = {"summary": self.summary, "description": self.commit_description}
        if self.parent_commit is not None:
            header["parentCommit"] = self.parent_commit
        lines: list[bytes | _Inline] = [_line("header", header)]
        for deletion in self.deletions:
            if deletion.is_folder:
                lines.append(_line("deletedFolder", {"path": deletion.path_in_repo.rstrip("/") + "/"}))
            else:
                lines.append(_line("deletedFile", {"path": deletion.path_in_repo}))
        modes = self._modes(ctx)
        known = await self._local_hashes(ctx, modes)
        for addition, hashes in zip(self.additions, known, strict=True):
            mode = modes[addition.path_in_repo]
            if mode.should_ignore:
                continue
            unchanged = mode.remote_oid is not None and not self._is_deleted(addition.path_in_repo)
            if mode.upload_mode == "lfs":
                assert hashes is not None  # hashed by HashFile, or by FetchUploadModes for a sampled file
                if unchanged and mode.remote_oid == hashes.sha256:
                    continue
                lines.append(_line("lfsFile", {"path": addition.path_in_repo, "algo": "sha256",
                                               "oid": hashes.sha256, "size": hashes.size}))
                continue
            git_sha1 = hashes.git_sha1 if hashes is not None and hashes.git_sha1 else None
            if unchanged and mode.remote_oid == git_sha1:
                continue
            lines.append(_Inline(addition.path_in_repo, addition.source.size, addition=addition, git_sha1=git_sha1))
        for pre in self.preuploaded:
            lines.append(_line("lfsFile", {"path": pre.path_in_repo, "algo": "sha256", "oid": pre.oid,
                                           "size": pre.size}))
        lines.extend(await self._plan_copies(ctx))
        return lines

    async def _local_hashes(self, ctx: Context, modes: dict[str, FileMode]) -> list[FileHashes | None]:
        """Each addition's hashes, ``None`` for a sampled inline file that needs none.

        An inline file needs its git blob id only to compare with a remote file at its path (an
        unchanged file is left out). A sampled file, or one above the LFS-only size (``HashFile``
        skips its blob id), gets it now when there is one to compare: one thread call for all.
        """
        known: list[FileHashes | None] = [ctx.result_if_done(HashFile(source=a.source)) for a in self.additions]
        missing = [
            i for i, (addition, hashes) in enumerate(zip(self.additions, known, strict=True))
            if (mode := modes[addition.path_in_repo]).upload_mode != "lfs" and not mode.should_ignore
            and mode.remote_oid is not None and (hashes is None or not hashes.git_sha1)
        ]
        if missing:
            computed = await hash_sources([self.additions[i].source for i in missing], ctx.thread_limiter)
            for i, hashes in zip(missing, computed, strict=True):
                known[i] = hashes
        return known

    async def _paths_info(self, ctx: Context, repo_type: str, repo_id: str, revision: str,
                          paths: list[str]) -> dict[str, RepoTreeEntry]:
        found: dict[str, RepoTreeEntry] = {}
        for start in range(0, len(paths), 500):
            url = f"/api/{REPO_TYPE_PLURAL[repo_type]}/{repo_id}/paths-info/{quote(revision, safe='')}"
            response = await ctx.hub.request("POST", url, token=self.token,
                                             json={"paths": paths[start : start + 500], "expand": False})
            for entry in msgspec.json.decode(response.content, type=list[RepoTreeEntry]):
                found[entry.path] = entry
        return found

    async def _plan_copies(self, ctx: Context) -> list[bytes | _Inline]:
        if not self.copies:
            return []
        target = self.target
        dests = await self._paths_info(ctx, target.repo_type, target.repo_id, target.revision,
                                       [c.path_in_repo for c in self.copies])
        groups: dict[tuple[str, str, str], list[CopySpec]] = {}
        for copy in self.copies:
            repo_id = copy.src_repo_id or target.repo_id
            repo_type = copy.src_repo_type or target.repo_type
            default = target.revision if copy.src_repo_id is None else "main"
            groups.setdefault((repo_type, repo_id, copy.src_revision or default), []).append(copy)
        lines: list[bytes | _Inline] = []
        for (repo_type, repo_id, revision), copies in groups.items():
            sources = await self._paths_info(ctx, repo_type, repo_id, revision, [c.src_path_in_repo for c in copies])
            for copy in copies:
                src = sources.get(copy.src_path_in_repo)
                if src is None:
                    raise EntryNotFoundError(f"Cannot copy {copy.src_path_in_repo} at revision {revision}: not found.")
                if not isinstance(src, RepoFile):
                    raise NotImplementedError(f"Copying a folder is not implemented: {copy.src_path_in_repo}")
                dest = dests.get(copy.path_in_repo)
                if isinstance(dest, RepoFile) and dest.blob_id == src.blob_id and not self._is_deleted(copy.path_in_repo):
                    continue
                if src.lfs is not None:
                    lines.append(_line("lfsFile", {"path": copy.path_in_repo, "algo": "sha256",
                                                   "oid": src.lfs.sha256}))
                else:
                    url = (f"/{REPO_TYPE_URL_PREFIX[repo_type]}{repo_id}/resolve/{quote(revision, safe='')}/"
                           f"{quote(copy.src_path_in_repo)}")
                    lines.append(_Inline(copy.path_in_repo, src.size, download_url=url))
        return lines

    # -- streaming -----------------------------------------------------------------------------
    async def _inline_chunks(self, ctx: Context, item: _Inline) -> AsyncGenerator[bytes, None]:
        if item.addition is not None:
            source = item.addition.source
            sha1 = hashlib.sha1(f"blob {item.size}\0".encode())
            sent = 0
            # aclosing: the file is closed when the request ends, not whenever GC finds the generator.
            async with aclosing(read_chunks(source, chunk_size=_B64_CHUNK)) as chunks:
                async for chunk in chunks:
                    sent += len(chunk)
                    encoded = await anyio.to_thread.run_sync(_sha1_encode, sha1, chunk)
                    if sent == item.size:
                        if item.git_sha1 is None:
                            check_unchanged(source)
                        elif sha1.hexdigest() != item.git_sha1:
                            raise _changed(item)
                    ctx.emit_progress(len(chunk))
                    yield encoded
            return
        assert item.download_url is not None
        pending = b""
        async with ctx.hub.stream("GET", item.download_url, token=self.token) as response:
            async for chunk in response.aiter_bytes():
                pending += chunk
                cut = len(pending) - len(pending) % 3
                if cut:
                    yield pybase64.b64encode(pending[:cut])
                    pending = pending[cut:]
        yield pybase64.b64encode(pending)

    async def _encode_batch(self, ctx: Context, items: list[_Inline]) -> bytes:
        # Checked before the batch leaves: a changed file stops the body before its end.
        encoded = await anyio.to_thread.run_sync(_encode_whole, items)
        ctx.emit_progress(sum(item.size for item in items))
        return encoded

    async def _body(self, ctx: Context, lines: list[bytes | _Inline]) -> AsyncGenerator[bytes, None]:
        # JSON lines and small files are gathered into chunks of about _BATCH_BYTES (in order);
        # larger files are streamed chunk by chunk.
        pending: list[bytes] = []
        pending_bytes = 0
        small: list[_Inline] = []
        small_bytes = 0
        for line in lines:
            if isinstance(line, _Inline) and line.small:
                small.append(line)
                small_bytes += line.size
                if small_bytes < _BATCH_BYTES:
                    continue
            if small:
                pending.append(await self._encode_batch(ctx, small))
                pending_bytes += len(pending[-1])
                small, small_bytes = [], 0
            if isinstance(line, bytes):
                pending.append(line)
                pending_bytes += len(line)
            elif not line.small:
                if pending:
                    yield b"".join(pending)
                    pending, pending_bytes = [], 0
                head, tail = line.parts()
                yield head
                async with aclosing(self._inline_chunks(ctx, line)) as chunks:
                    async for chunk in chunks:
                        yield chunk
                yield tail
            if pending_bytes >= _BATCH_BYTES:
                yield b"".join(pending)
                pending, pending_bytes = [], 0
        if small:
            pending.append(await self._encode_batch(ctx, small))
        if pending:
            yield b"".join(pending)

    async def run(self, ctx: Context) -> CommitInfo:
        endpoint = ctx.settings.endpoint
        lines = await self._plan(ctx)
        if len(lines) == 1:  # only the header: nothing changed
            response = await ctx.hub.request("GET", self.target.api("revision"), token=self.token)
            sha = msgspec.json.decode(response.content, type=dict[str, Any])["sha"]
            return CommitInfo(commit_url=commit_url(endpoint, self.target, sha), commit_message=self.summary,
                              commit_description=self.commit_description, oid=sha, endpoint=endpoint)
        length = sum(len(x) if isinstance(x, bytes) else x.length() for x in lines)
        body = _Recording(self._body(ctx, lines))
        try:
            response = await ctx.hub.request(
                "POST", self.target.api("commit"), token=self.token, content=body, params=self.target.pr_params,
                headers={"content-type": "application/x-ndjson", "content-length": str(length)},
                endpoint_name="commit", timeout=None,
            )
        except CommitConflictError:
            applied = await self._applied_by_earlier_attempt(ctx, lines)
            if applied is None:
                raise
            return CommitInfo(commit_url=commit_url(endpoint, self.target, applied), commit_message=self.summary,
                              commit_description=self.commit_description, oid=applied, endpoint=endpoint)
        except Exception as exc:
            if body.error is not None:  # our own stream failed (a changed file): that is the error
                raise body.error from None
            if isinstance(exc, HubConnectionError) and not body.finished:
                # The connection failed before the whole body was handed to it: the Hub cannot have
                # applied this commit, so the executor may send it again (``retry_safe``).
                raise _BodyNotSent(str(exc)) from exc
            raise
        finally:
            await body.aclose()
        if body.error is not None:
            raise body.error
        answer = msgspec.json.decode(response.content, type=CommitResponse)
        return commit_info_from_response(answer, commit_message=self.summary,
                                         commit_description=self.commit_description, endpoint=endpoint,
                                         create_pr=self.target.create_pr)

    async def _applied_by_earlier_attempt(self, ctx: Context, lines: list[bytes | _Inline]) -> str | None:
        """The head's id if an earlier attempt of this commit was applied (its answer lost), else None.

        Only on a retry with ``parent_commit``: the head must carry this commit's title, have
        ``parent_commit`` as its first parent (the second entry of the first-parent history), and
        hold this commit's content: every added file with our blob id / LFS sha256, every deleted
        file gone. A commit of another client with the same title and parent is not ours.
        """
        if ctx.attempt == 0 or self.parent_commit is None or self.target.create_pr:
            return None
        response = await ctx.hub.request("GET", self.target.api("commits"), token=self.token)
        history = msgspec.json.decode(response.content, type=list[dict[str, Any]])
        if len(history) < 2 or history[0].get("title") != self.summary:
            return None
        if not str(history[1].get("id", "")).startswith(self.parent_commit):
            return None
        head = str(history[0]["id"])
        return head if await self._holds_content(ctx, head, lines) else None

    async def _holds_content(self, ctx: Context, revision: str, lines: list[bytes | _Inline]) -> bool:
        expected: dict[str, tuple[str, str] | None] = {}  # path -> ("blob" | "lfs", id), None: deleted
        # Sampled files were never hashed: their blob ids are computed now (this check is the rare path).
        sampled = [(line.path_in_repo, line.addition.source) for line in lines
                   if isinstance(line, _Inline) and line.git_sha1 is None and line.addition is not None]
        hashed = await hash_sources([source for _, source in sampled], ctx.thread_limiter) if sampled else []
        computed = {path: hashes.git_sha1 for (path, _), hashes in zip(sampled, hashed, strict=True)}
        for line in lines:
            if isinstance(line, _Inline):
                blob_id = line.git_sha1 or computed.get(line.path_in_repo)
                if blob_id is not None:  # copies streamed from /resolve have no local id to compare
                    expected[line.path_in_repo] = ("blob", blob_id)
                continue
            item = msgspec.json.decode(line, type=dict[str, Any])
            value = item.get("value") or {}
            if item.get("key") == "lfsFile":
                expected[str(value["path"])] = ("lfs", str(value["oid"]))
            elif item.get("key") == "deletedFile":
                expected[str(value["path"])] = None
        if not expected:
            return True
        found = await self._paths_info(ctx, self.target.repo_type, self.target.repo_id, revision, list(expected))
        for path, want in expected.items():
            entry = found.get(path)
            if want is None:
                if isinstance(entry, RepoFile):
                    return False
                continue
            if not isinstance(entry, RepoFile):
                return False
            have = entry.lfs.sha256 if want[0] == "lfs" and entry.lfs is not None else entry.blob_id
            if have != want[1]:
                return False
        return True


class _Recording:
    """An async byte iterator that remembers the exception that stopped it.

    ``aclose()`` closes the wrapped generator chain: the HTTP client abandons a request body on a
    reset without closing it, and left to GC its open files are finalized in arbitrary order
    (ResourceWarning, sometimes from another thread).
    """

    def __init__(self, inner: AsyncGenerator[bytes, None]) -> None:
        self.inner = inner
        self.error: BaseException | None = None
        self.finished = False
        """The client asked for a chunk after the last one: every byte was handed to the connection.
        Until then the Hub cannot have the whole body (HTTP/1.1 sends the body in order)."""
        self._iterators: list[AsyncGenerator[bytes, None]] = []

    def __aiter__(self) -> AsyncIterator[bytes]:
        iterator = self._iterate()
        self._iterators.append(iterator)
        return iterator

    async def aclose(self) -> None:
        for iterator in self._iterators:
            await iterator.aclose()
        await self.inner.aclose()

    async def _iterate(self) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in self.inner:
                yield chunk
        except Exception as exc:
            self.error = exc
            raise
        self.finished = True


class _BodyNotSent(HubConnectionError):
    """A commit attempt whose connection failed before its whole body was handed over (not applied)."""
