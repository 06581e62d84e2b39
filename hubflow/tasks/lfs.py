"""Upload modes and LFS transfers: ``FetchUploadModes`` → ``LfsBatch`` → ``UploadLfsObject`` /
``UploadLfsPart`` + ``CompleteLfsMultipart``.

The graph grows while it runs: ``FetchUploadModes`` (one preupload call, ≤ 256 files, after
the hashes of *its* files only) adds an ``LfsBatch`` for the files the Hub wants in LFS; the
batch adds one ``UploadLfsObject`` per basic transfer, or one ``UploadLfsPart`` per part plus a
``CompleteLfsMultipart`` after them. Every added node runs ``before`` the group's
``UploadsDone`` barrier, which the commit waits for.

Bodies are streamed from disk in chunks with a ``Content-Length``; the sha256 is recomputed
while streaming a basic upload and checked before its last chunk leaves, so a file changed
since hashing fails with ``FileChangedError`` and the server never completes the object.
Multipart parts check size and mtime before and after sending; the server verifies the sha256
of the assembled object at completion. Transfer nodes are journaled, keyed by the content
(source identity, sha256, part) and never by the signed URLs, so a resumed run skips them.

```python
barrier = graph.add(UploadsDone(target=target, group=0))
modes = graph.add(FetchUploadModes(target=target, files=files, barrier=barrier), after=hashes)
graph.add_edge(modes, barrier)
```
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import AsyncGenerator, Hashable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread
import msgspec
import pybase64

from hubflow._constants import REPO_TYPE_PLURAL, REPO_TYPE_URL_PREFIX
from hubflow._hashing import FileHashes
from hubflow.errors import FileChangedError, HfHubHTTPError
from hubflow.schema import (
    LfsBatchRequest,
    LfsBatchResponse,
    LfsCompletePart,
    LfsCompleteRequest,
    LfsObject,
    LfsRef,
    PreuploadFile,
    PreuploadRequest,
    PreuploadResponse,
    PreuploadResult,
)
from hubflow.tasks._base import Task
from hubflow.tasks.hashing import (
    FileSample,
    HashFile,
    SampleFile,
    Source,
    check_unchanged,
    hash_sources,
    read_chunks,
)

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "LFS_BATCH_SIZE",
    "PREUPLOAD_BATCH_SIZE",
    "CompleteLfsMultipart",
    "FetchUploadModes",
    "FileMode",
    "FileToUpload",
    "LfsBatch",
    "LfsItem",
    "RepoTarget",
    "UploadLfsObject",
    "UploadLfsPart",
    "UploadsDone",
]

PREUPLOAD_BATCH_SIZE = 256
LFS_BATCH_SIZE = 256
_LFS_HEADERS = {"accept": "application/vnd.git-lfs+json", "content-type": "application/vnd.git-lfs+json"}
_STREAM_CHUNK = 1024 * 1024


class RepoTarget(msgspec.Struct, frozen=True, kw_only=True):
    """Where a commit goes: repo, type, revision (unquoted) and whether it opens a PR."""

    repo_id: str
    repo_type: str = "model"
    revision: str = "main"
    create_pr: bool = False

    def api(self, action: str) -> str:
        """``/api/{T}/{R}/{action}/{quoted revision}``."""
        return f"/api/{REPO_TYPE_PLURAL[self.repo_type]}/{self.repo_id}/{action}/{quote(self.revision, safe='')}"

    @property
    def git_prefix(self) -> str:
        return f"/{REPO_TYPE_URL_PREFIX[self.repo_type]}{self.repo_id}.git"

    @property
    def pr_params(self) -> dict[str, str] | None:
        return {"create_pr": "1"} if self.create_pr else None


class FileToUpload(msgspec.Struct, frozen=True, kw_only=True):
    """A file of the commit: where it goes and where its content comes from."""

    path_in_repo: str
    source: Source


class FileMode(msgspec.Struct, frozen=True, kw_only=True):
    """The Hub's answer for one file: ``upload_mode`` (``lfs``/``regular``), ignored?, current oid."""

    path_in_repo: str
    upload_mode: str
    should_ignore: bool = False
    remote_oid: str | None = None
    hashes: FileHashes | None = None
    """The file's hashes when ``FetchUploadModes`` computed them (a sampled file the Hub wants in LFS)."""


class LfsItem(msgspec.Struct, frozen=True, kw_only=True):
    """An object for the LFS batch: its content and sha256/size."""

    path_in_repo: str
    source: Source
    oid: str
    size: int


class UploadsDone(Task[None], kw_only=True):
    """A barrier: the commit of ``group`` waits for it, and every LFS node is added before it."""

    target: RepoTarget
    group: int = 0

    async def run(self, ctx: Context) -> None:
        return None


class FetchUploadModes(Task[list[FileMode]], kw_only=True):
    """``POST /api/{T}/{R}/preupload/{rev}`` for ≤ 256 files; adds the ``LfsBatch`` they need.

    Runs after the ``HashFile`` (or ``SampleFile``) nodes of its own files: the call needs only
    sizes and samples. A sampled file the Hub wants in LFS is hashed here (its ``FileMode.hashes``,
    which also answer ``HashFile`` for it). Empty files are always ``regular``; LFS files whose
    remote oid already equals their sha256 are not uploaded again.
    """

    target: RepoTarget
    files: list[FileToUpload]
    barrier: UploadsDone | None = None
    git_ignore: str | None = None

    @property
    def label(self) -> str:
        return f"{len(self.files)} file(s)"

    def provides(self, result: list[FileMode]) -> list[tuple[Task[Any], Any]]:
        return [(HashFile(source=f.source), m.hashes) for f, m in zip(self.files, result, strict=True)
                if m.hashes is not None]

    async def run(self, ctx: Context) -> list[FileMode]:
        local = [_hashed_or_sampled(ctx, f.source) for f in self.files]
        request = PreuploadRequest(
            files=[
                PreuploadFile(path=f.path_in_repo, sample=pybase64.b64encode_as_string(h.sample), size=h.size)
                for f, h in zip(self.files, local, strict=True)
            ],
            git_ignore=msgspec.UNSET if self.git_ignore is None else self.git_ignore,
        )
        response = await ctx.hub.request(
            "POST", self.target.api("preupload"), token=self.token, json=request,
            params=self.target.pr_params, endpoint_name="preupload",
        )
        answer = {r.path: r for r in msgspec.json.decode(response.content, type=PreuploadResponse).files}
        results: list[PreuploadResult] = []
        for file in self.files:
            result = answer.get(file.path_in_repo)
            if result is None:
                raise ValueError(f"The preupload answer has no entry for {file.path_in_repo!r}")
            if result.upload_mode not in ("lfs", "regular"):
                raise ValueError(f"Unknown upload mode {result.upload_mode!r} for {file.path_in_repo!r}")
            results.append(result)
        # A sampled (not hashed) file the Hub wants in LFS needs its sha256 now: hashed here, in one thread call.
        unhashed = [i for i, (h, r) in enumerate(zip(local, results, strict=True))
                    if isinstance(h, FileSample) and h.size and r.upload_mode == "lfs" and not r.should_ignore]
        computed: dict[int, FileHashes] = {}
        if unhashed:
            hashed_now = await hash_sources([self.files[i].source for i in unhashed], ctx.thread_limiter)
            computed = dict(zip(unhashed, hashed_now, strict=True))
        modes: list[FileMode] = []
        lfs: list[LfsItem] = []
        for i, (file, result) in enumerate(zip(self.files, results, strict=True)):
            hashed = computed.get(i, local[i])
            mode = "regular" if hashed.size == 0 else result.upload_mode
            modes.append(FileMode(
                path_in_repo=file.path_in_repo, upload_mode=mode,
                should_ignore=result.should_ignore, remote_oid=result.oid, hashes=computed.get(i),
            ))
            if mode == "lfs" and not result.should_ignore:
                assert isinstance(hashed, FileHashes)
                if result.oid == hashed.sha256:
                    continue
                lfs.append(LfsItem(path_in_repo=file.path_in_repo, source=file.source, oid=hashed.sha256,
                                   size=hashed.size))
        if lfs and self.barrier is not None:
            for start in range(0, len(lfs), LFS_BATCH_SIZE):
                batch = LfsBatch(target=self.target, items=lfs[start : start + LFS_BATCH_SIZE],
                                 barrier=self.barrier, token=self.token)
                ctx.add(batch, before=[self.barrier])
        return modes


class LfsBatch(Task[None], kw_only=True):
    """``POST {R}.git/info/lfs/objects/batch`` (≤ 256 objects); adds one transfer node per object.

    Objects the server already stores come back without actions and are skipped.
    """

    target: RepoTarget
    items: list[LfsItem]
    barrier: UploadsDone

    @property
    def label(self) -> str:
        return f"{len(self.items)} LFS object(s)"

    async def run(self, ctx: Context) -> None:
        request = LfsBatchRequest(
            operation="upload",
            objects=[LfsObject(oid=i.oid, size=i.size) for i in self.items],
            ref=msgspec.UNSET if self.target.create_pr else LfsRef(name=self.target.revision),
        )
        response = await ctx.hub.request(
            "POST", self.target.git_prefix + "/info/lfs/objects/batch", token=self.token, json=request,
            headers=_LFS_HEADERS, endpoint_name="lfs batch",
        )
        answer = msgspec.json.decode(response.content, type=LfsBatchResponse)
        errors = [o for o in answer.objects if o.error is not None]
        if errors:
            details = "\n".join(f"{o.oid}: {o.error.code} {o.error.message}" for o in errors if o.error)
            raise ValueError(f"LFS batch API returned errors:\n{details}")
        by_oid = {i.oid: i for i in self.items}
        for obj in answer.objects:
            item = by_oid.get(obj.oid)
            if item is None or obj.actions is None or obj.actions.upload is None:
                continue  # already stored
            upload = obj.actions.upload
            verify = obj.actions.verify.href if obj.actions.verify is not None else None
            header = upload.header or {}
            if "chunk_size" in header:
                self._add_multipart(ctx, item, upload.href, header, verify)
            else:
                ctx.add(UploadLfsObject(item=item, href=upload.href, verify_href=verify, target=self.target,
                                        token=self.token), before=[self.barrier])

    def _add_multipart(
        self, ctx: Context, item: LfsItem, href: str, header: dict[str, Any], verify: str | None
    ) -> None:
        chunk_size = int(header["chunk_size"])
        urls = [str(header[k]) for k in sorted((k for k in header if k.isdigit()), key=int)]
        expected = math.ceil(item.size / chunk_size)
        if len(urls) != expected:
            raise ValueError(f"Invalid server response to upload large LFS file: {len(urls)} parts for {expected}")
        parts: list[UploadLfsPart] = []
        for number, url in enumerate(urls, start=1):
            start = (number - 1) * chunk_size
            part = UploadLfsPart(item=item, part_number=number, start=start,
                                 length=min(chunk_size, item.size - start), href=url)
            parts.append(ctx.add(part))  # type: ignore[arg-type]
        complete = CompleteLfsMultipart(item=item, href=href, verify_href=verify, parts=parts, target=self.target,
                                        token=self.token)
        ctx.add(complete, after=parts, before=[self.barrier])


async def _streamed(
    ctx: Context, item: LfsItem, start: int, length: int, check_sha256: bool
) -> AsyncGenerator[bytes, None]:
    """The body of a PUT: chunks of the source, progress per chunk, sha256 checked before the end."""
    digest = hashlib.sha256()
    sent = 0
    # aclosing: the file is closed when the request ends, not whenever GC finds the generator.
    async with aclosing(read_chunks(item.source, start, length, chunk_size=_STREAM_CHUNK)) as chunks:
        async for chunk in chunks:
            sent += len(chunk)
            if check_sha256:
                await anyio.to_thread.run_sync(digest.update, chunk)
                if sent == length and digest.hexdigest() != item.oid:
                    # Raised before the last chunk leaves: the server never sees a complete object.
                    raise FileChangedError(
                        f"{item.source.path} ({item.path_in_repo}) changed since it was hashed: its sha256 differs.",
                        item.source.path,
                    )
            ctx.emit_progress(len(chunk))
            yield chunk


async def _put(ctx: Context, href: str, body: AsyncGenerator[bytes, None], length: int) -> str:
    """PUT to a signed URL (no Hub headers); returns the ETag header (may be empty)."""
    try:
        response = await ctx.hub.request(
            "PUT", href, content=body, headers={"content-length": str(length)}, hub_headers=False, timeout=None,
        )
    finally:
        await body.aclose()  # the client abandons a body on a reset; its file must not wait for GC
    return str(response.headers.get("etag", ""))


async def _verify(ctx: Context, node: UploadLfsObject | CompleteLfsMultipart) -> None:
    if node.verify_href is not None:
        await ctx.hub.request(
            "POST", node.verify_href, token=node.token, json=LfsObject(oid=node.item.oid, size=node.item.size),
            headers=_LFS_HEADERS, endpoint_name="lfs verify",
        )


class UploadLfsObject(Task[str], kw_only=True):
    """One basic transfer: ``PUT <href>`` streaming the file, then verify; returns the oid."""

    resource = "transfer"
    journaled = True

    item: LfsItem
    href: str
    verify_href: str | None = None
    target: RepoTarget | None = None

    def key_identity(self) -> Any:
        return (self.item, self.target)

    @property
    def label(self) -> str:
        return self.item.path_in_repo

    def total_bytes(self) -> int | None:
        return self.item.size

    async def run(self, ctx: Context) -> str:
        await _put(ctx, self.href, _streamed(ctx, self.item, 0, self.item.size, True), self.item.size)
        check_unchanged(self.item.source)
        await _verify(ctx, self)
        return self.item.oid


class UploadLfsPart(Task[str], kw_only=True):
    """One part of a multipart transfer (``PUT <part url>``); returns the ETag, verbatim."""

    resource = "transfer"
    journaled = True

    item: LfsItem
    part_number: int
    start: int
    length: int
    href: str

    def key_identity(self) -> Any:
        return (self.item, self.part_number, self.start, self.length)

    @property
    def label(self) -> str:
        return f"{self.item.path_in_repo} (part {self.part_number})"

    def total_bytes(self) -> int | None:
        return self.length

    def limit_key(self) -> Hashable | None:
        return None

    async def run(self, ctx: Context) -> str:
        check_unchanged(self.item.source)
        etag = await _put(ctx, self.href, _streamed(ctx, self.item, self.start, self.length, False), self.length)
        check_unchanged(self.item.source)
        if not etag:
            raise ValueError(f"Invalid etag (empty) returned for part {self.part_number} of {self.item.path_in_repo}")
        return etag


class CompleteLfsMultipart(Task[str], kw_only=True):
    """``POST <upload href>`` with every part's ETag, then verify; returns the oid."""

    idempotent = True

    item: LfsItem
    href: str
    parts: list[UploadLfsPart]
    verify_href: str | None = None
    target: RepoTarget | None = None

    def key_identity(self) -> Any:
        return (self.item, self.target, len(self.parts))

    @property
    def label(self) -> str:
        return self.item.path_in_repo

    async def run(self, ctx: Context) -> str:
        check_unchanged(self.item.source)
        body = LfsCompleteRequest(
            oid=self.item.oid,
            parts=[LfsCompletePart(part_number=p.part_number, etag=ctx.result_of(p)) for p in self.parts],
        )
        try:
            await ctx.hub.request("POST", self.href, json=body, headers=_LFS_HEADERS, hub_headers=False)
        except HfHubHTTPError as err:
            if err.response.status_code < 500 and not self.item.source.in_memory:
                # The server checks the assembled sha256: a 4xx here is most often a file that changed.
                check_unchanged(self.item.source)
            raise
        await _verify(ctx, self)
        return self.item.oid


def _hashed_or_sampled(ctx: Context, source: Source) -> FileHashes | FileSample:
    hashed = ctx.result_if_done(HashFile(source=source))
    return hashed if hashed is not None else ctx.result_of(SampleFile(source=source))
