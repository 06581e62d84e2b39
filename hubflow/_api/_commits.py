"""Commits on the facade: ``create_commit``, ``preupload_lfs_files``, ``upload_file``,
``upload_folder``, ``delete_file``, ``delete_files``, ``delete_folder``.

Each builds the upload graph (``hubflow.pipelines.build_upload_graph``) and runs it with this
facade's client and event sink (``api.on_event``). ``upload_folder`` makes one commit unless the
instance attributes ``max_files_per_commit`` / ``max_inline_bytes_per_commit`` ask to split it.

```python
api = HfApi(token="hf_alice_write")
api.upload_folder(repo_id="alice/m", folder_path="out", delete_patterns="*.log")
api.create_commit("alice/m", [CommitOperationDelete("old.bin")], commit_message="Clean up")
```
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._constants import REPO_TYPE_PLURAL, REPO_TYPE_URL_PREFIX
from hubflow._operations import (
    CommitOperation,
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
)
from hubflow._settings import TokenArg
from hubflow._validation import (
    normalize_repo_type,
    validate_path_in_repo,
    validate_repo_id,
    validate_revision,
)
from hubflow.errors import RepositoryNotFoundError
from hubflow.graph import Results
from hubflow.pipelines._upload_folder import list_local_paths, matching_deletions
from hubflow.pipelines.upload import (
    MAX_FILES_PER_COMMIT,
    MAX_INLINE_BYTES_PER_COMMIT,
    build_upload_graph,
    split_into_commits,
)
from hubflow.schema import CommitInfo, RepoFile, RepoTreeEntry
from hubflow.tasks.commits import CopySpec, DeleteSpec, PreuploadedFile
from hubflow.tasks.hashing import HashFile, Source, file_source, listed_source, memory_source, release_source
from hubflow.tasks.lfs import FileToUpload, RepoTarget

__all__ = ["CommitsMixin"]

_COMMIT_OID = re.compile(r"[A-Fa-f0-9]{5,40}")
_NO_REPO_HINT = "\nNote: Creating a commit assumes that the repo already exists on the Huggingface Hub. Please use `create_repo` if it's not the case."


def _source_of(op: CommitOperationAdd) -> Source:
    if op._source is not None:  # made by upload_folder from its listing
        return op._source
    content = op.path_or_fileobj
    if isinstance(content, (str, Path)):
        return file_source(content)
    return memory_source(content)


class CommitsMixin(AsyncHfApiBase):
    """Commit and upload methods (see the module docstring)."""

    max_files_per_commit: int | None = None
    """``upload_folder`` makes ONE commit, as huggingface_hub does (atomic: all files or none).
    Set this (e.g. ``MAX_FILES_PER_COMMIT``) to split larger uploads into commits of at most this
    many files; for very large folders prefer the resumable ``upload_large_folder``."""
    max_inline_bytes_per_commit: int | None = None
    """With splitting on: at most this many bytes of possibly-inline (non-LFS) content per commit."""

    # -- shared helpers ----------------------------------------------------------------------
    def _target(self, repo_id: str, repo_type: str | None, revision: str | None, create_pr: bool | None) -> RepoTarget:
        validate_repo_id(repo_id)
        return RepoTarget(
            repo_id=repo_id, repo_type=normalize_repo_type(repo_type),
            revision=validate_revision(revision) if revision is not None else "main", create_pr=bool(create_pr),
        )

    async def _validate_readme(self, additions: list[CommitOperationAdd], repo_type: str, token: TokenArg) -> None:
        for op in additions:
            if op.path_in_repo != "README.md":
                continue
            content = op.path_or_fileobj
            if isinstance(content, (str, Path)):
                text = Path(content).read_text(encoding="utf-8")
            elif isinstance(content, bytes):
                text = content.decode()
            else:
                position = content.tell()
                text = content.read().decode()
                content.seek(position)
            response = await self.hub.request(
                "POST", "/api/validate-yaml", token=token, json={"content": text, "repoType": repo_type},
                raise_errors=False,
            )
            data = msgspec.json.decode(response.content or b"{}", type=dict[str, Any])
            if response.status_code == 400 and data.get("errors"):
                messages = "\n".join(f"- {e.get('message')}" for e in data["errors"])
                raise ValueError(f"Invalid metadata in README.md.\n{messages}")
            for warning in data.get("warnings") or []:
                warnings.warn(str(warning.get("message")), stacklevel=3)
            return

    async def _list_remote_files(self, target: RepoTarget, token: TokenArg) -> list[str]:
        path = f"/api/{REPO_TYPE_PLURAL[target.repo_type]}/{target.repo_id}/tree/{quote(target.revision, safe='')}"
        entries: Any = self.hub.paginate(path, {"recursive": "true"}, type=RepoTreeEntry, token=token)  # type: ignore[arg-type]
        return [entry.path async for entry in entries if isinstance(entry, RepoFile)]

    async def _commit(
        self,
        target: RepoTarget,
        operations: list[CommitOperation],
        *,
        commit_message: str,
        commit_description: str | None,
        parent_commit: str | None,
        token: TokenArg,
        split: bool = False,
        own_operations: bool = False,
    ) -> CommitInfo:
        # ``split``: honour ``max_files_per_commit``; ``own_operations``: the operations were made here
        # (upload_folder) and nobody sees them afterwards, so small files need not carry ``upload_info``
        # (they are sampled, not hashed) and nothing the run learned is recorded on them.
        if not commit_message:
            raise ValueError("`commit_message` can't be empty, please pass a value.")
        if parent_commit is not None and not _COMMIT_OID.fullmatch(parent_commit):
            raise ValueError(f"`parent_commit` is not a valid commit OID. It must match {_COMMIT_OID.pattern}")
        adds = [op for op in operations if isinstance(op, CommitOperationAdd)]
        for op in adds:
            if op._is_committed:
                raise ValueError(f"CommitOperationAdd {op} has already been committed and cannot be reused.")
        await self._validate_readme(adds, target.repo_type, token)
        done = [op for op in adds if op._is_uploaded and op.upload_info is not None and op._upload_mode == "lfs"]
        pending = [op for op in adds if all(op is not d for d in done)]
        preuploaded = [
            PreuploadedFile(path_in_repo=op.path_in_repo, oid=op.upload_info.sha256, size=op.upload_info.size)
            for op in done if op.upload_info is not None
        ]
        sources = [_source_of(op) for op in pending]
        try:
            git_ignore = self._git_ignore(pending)
            files = [FileToUpload(path_in_repo=op.path_in_repo, source=s) for op, s in zip(pending, sources, strict=True)]
            bounds = (10**9, 10**18)
            if split and (self.max_files_per_commit is not None or self.max_inline_bytes_per_commit is not None):
                bounds = (self.max_files_per_commit or MAX_FILES_PER_COMMIT,
                          self.max_inline_bytes_per_commit or MAX_INLINE_BYTES_PER_COMMIT)
            pr_url = None
            if target.create_pr and len(split_into_commits(files, *bounds)) > 1:
                # Several commits for one PR: open it first, then commit to refs/pr/N (core.md §7.8).
                num = await self._open_pull_request(target, commit_message, commit_description or "", token)
                pr_url = f"{self.settings.endpoint}/{REPO_TYPE_URL_PREFIX[target.repo_type]}{target.repo_id}/discussions/{num}"
                target = msgspec.structs.replace(target, revision=f"refs/pr/{num}", create_pr=False)
            plan = build_upload_graph(
                target,
                additions=files,
                deletions=[DeleteSpec(path_in_repo=op.path_in_repo, is_folder=bool(op.is_folder))
                           for op in operations if isinstance(op, CommitOperationDelete)],
                copies=[CopySpec(src_path_in_repo=op.src_path_in_repo, path_in_repo=op.path_in_repo,
                                 src_revision=op.src_revision, src_repo_id=op.src_repo_id,
                                 src_repo_type=op.src_repo_type)
                        for op in operations if isinstance(op, CommitOperationCopy)],
                preuploaded=preuploaded,
                commit_message=commit_message,
                commit_description=commit_description or "",
                parent_commit=parent_commit,
                git_ignore=git_ignore,
                token=token,
                max_files_per_commit=bounds[0],
                max_inline_bytes_per_commit=bounds[1],
                sample_small_files=own_operations,
            )
            try:
                results = await self._run_graph(plan.graph)
            except RepositoryNotFoundError as err:
                err.append_to_message(_NO_REPO_HINT)
                raise
            if not own_operations:
                self._record(pending, sources, plan.modes, results)
                for op in adds:
                    op._is_committed = True
            info = results[plan.commits[-1]]
        finally:
            for source in sources:
                release_source(source)
        if pr_url is not None:
            info = msgspec.structs.replace(info, pr_url=pr_url)
        return info

    @staticmethod
    def _git_ignore(additions: list[CommitOperationAdd]) -> str | None:
        for op in additions:
            if op.path_in_repo == ".gitignore":
                content = op.path_or_fileobj
                if isinstance(content, (str, Path)):
                    return Path(content).read_text(encoding="utf-8", errors="replace")
                if isinstance(content, bytes):
                    return content.decode("utf-8", "replace")
        return None

    @staticmethod
    def _record(ops: list[CommitOperationAdd], sources: list[Source], modes: list[Any], results: Results) -> None:
        """Copy what the run learned onto the operation objects, as huggingface_hub does."""
        found = {m.path_in_repo: m for batch in modes if batch in results for m in results[batch]}
        for op, source in zip(ops, sources, strict=True):
            hashed = HashFile(source=source)
            if hashed in results:
                op.upload_info = results[hashed]
            mode = found.get(op.path_in_repo)
            if mode is not None:
                op._upload_mode, op._should_ignore, op._remote_oid = mode.upload_mode, mode.should_ignore, mode.remote_oid
                op._is_uploaded = mode.upload_mode == "lfs"

    async def _open_pull_request(self, target: RepoTarget, title: str, description: str, token: TokenArg) -> int:
        response = await self.hub.request(
            "POST", f"/api/{REPO_TYPE_PLURAL[target.repo_type]}/{target.repo_id}/discussions", token=token,
            json={"title": title, "description": description, "pullRequest": True},
        )
        return int(msgspec.json.decode(response.content, type=dict[str, Any])["num"])

    # -- public methods ------------------------------------------------------------------------
    async def create_commit(
        self,
        repo_id: str,
        operations: Iterable[CommitOperation],
        *,
        commit_message: str,
        commit_description: str | None = None,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = None,
        num_threads: int = 5,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        """Create one commit from add / delete / copy operations (files are hashed, LFS uploaded, then committed).

        Unchanged files are left out; if nothing changes, the current head's ``CommitInfo`` is
        returned. ``parent_commit`` makes the commit fail with ``CommitConflictError`` if the
        branch moved. ``create_pr=True`` opens a pull request (``info.pr_num``). Transfer
        concurrency comes from the settings' ``Limits`` (``num_threads`` is accepted for
        compatibility). ``token`` is a ``TokenArg``.

        ```python
        info = await api.create_commit("alice/m", [CommitOperationAdd("a.txt", b"hi")], commit_message="Add a")
        info.oid
        ```
        """
        del num_threads  # concurrency is the executor's business (Limits.transfer)
        target = self._target(repo_id, repo_type, revision, create_pr)
        return await self._commit(target, list(operations), commit_message=commit_message,
                                  commit_description=commit_description, parent_commit=parent_commit, token=token)

    async def preupload_lfs_files(
        self,
        repo_id: str,
        additions: Iterable[CommitOperationAdd],
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = None,
        num_threads: int = 5,
        free_memory: bool = True,
        gitignore_content: str | None = None,
    ) -> None:
        """Upload the LFS files of ``additions`` now; a later ``create_commit`` with them only commits.

        The operations are updated in place (``upload_info``, upload mode, uploaded flag); with
        ``free_memory`` the content of uploaded in-memory LFS additions is dropped.

        ```python
        ops = [CommitOperationAdd("shard-1.bin", make_shard())]
        await api.preupload_lfs_files("alice/m", ops)
        await api.create_commit("alice/m", ops, commit_message="Add shards")
        ```
        """
        del num_threads
        target = self._target(repo_id, repo_type, revision, create_pr)
        ops = [op for op in additions if not op._is_uploaded]
        sources = [_source_of(op) for op in ops]
        try:
            files = [FileToUpload(path_in_repo=op.path_in_repo, source=s) for op, s in zip(ops, sources, strict=True)]
            plan = build_upload_graph(target, additions=files, git_ignore=gitignore_content or self._git_ignore(ops),
                                      token=token, commit=False)
            results = await self._run_graph(plan.graph)
            self._record(ops, sources, plan.modes, results)
        finally:
            for source in sources:
                release_source(source)
        if free_memory:
            for op in ops:
                if op._is_uploaded and not isinstance(op.path_or_fileobj, (str, Path)):
                    op.path_or_fileobj = b""

    async def upload_file(
        self,
        *,
        path_or_fileobj: str | Path | bytes | BinaryIO,
        path_in_repo: str,
        repo_id: str,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        create_pr: bool | None = None,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        """Upload one file (a local path, ``bytes`` or a binary file object) in one commit.

        ```python
        await api.upload_file(path_or_fileobj="model.bin", path_in_repo="model.bin", repo_id="alice/m")
        ```
        """
        operation = CommitOperationAdd(path_in_repo=path_in_repo, path_or_fileobj=path_or_fileobj)
        return await self.create_commit(
            repo_id, [operation], commit_message=commit_message or f"Upload {path_in_repo} with huggingface_hub",
            commit_description=commit_description, token=token, repo_type=repo_type, revision=revision,
            create_pr=create_pr, parent_commit=parent_commit,
        )

    async def upload_folder(
        self,
        *,
        repo_id: str,
        folder_path: str | Path,
        path_in_repo: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = None,
        parent_commit: str | None = None,
        allow_patterns: list[str] | str | None = None,
        ignore_patterns: list[str] | str | None = None,
        delete_patterns: list[str] | str | None = None,
    ) -> CommitInfo:
        """Upload a local folder (rules for patterns, ``.git``, caches and symlinks: ``hubflow.pipelines``).

        ``delete_patterns`` deletes matching remote files under ``path_in_repo`` in the same
        commit (never ``.gitattributes``). Unchanged files are not re-sent. One commit, as
        huggingface_hub makes (set ``max_files_per_commit`` / ``max_inline_bytes_per_commit`` on
        the client to split a large folder into several).

        ```python
        await api.upload_folder(repo_id="alice/m", folder_path="checkpoints", path_in_repo="ckpt",
                                ignore_patterns="*.tmp", delete_patterns="*")
        ```
        """
        target = self._target(repo_id, repo_type, revision, create_pr)
        folder = Path(folder_path).expanduser()
        if not folder.is_dir():
            raise ValueError(f"Provided path: '{folder}' is not a directory")
        prefix = (path_in_repo or "").strip("/")
        if prefix in ("", "."):
            prefix = ""
        else:
            validate_path_in_repo(prefix)
        local = list_local_paths(folder, allow_patterns, ignore_patterns)
        adds = [CommitOperationAdd._of_listed_file(f"{prefix}/{rel}" if prefix else rel, listed_source(path))
                for rel, path in local]
        deletions: list[CommitOperation] = []
        if delete_patterns is not None:
            remote = await self._list_remote_files(target, token)
            keep = {op.path_in_repo for op in adds}
            deletions = [CommitOperationDelete(path_in_repo=p, is_folder=False)
                         for p in matching_deletions(remote, prefix, delete_patterns, keep)]
        return await self._commit(
            target, [*deletions, *adds], commit_message=commit_message or "Upload folder using huggingface_hub",
            commit_description=commit_description, parent_commit=parent_commit, token=token, split=True,
            own_operations=True,
        )

    async def delete_file(
        self,
        path_in_repo: str,
        repo_id: str,
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        create_pr: bool | None = None,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        """Delete one file in a commit.

        ```python
        await api.delete_file("old.bin", "alice/m")
        ```
        """
        return await self.create_commit(
            repo_id, [CommitOperationDelete(path_in_repo=path_in_repo, is_folder=False)],
            commit_message=commit_message or f"Delete {path_in_repo} with huggingface_hub",
            commit_description=commit_description, token=token, repo_type=repo_type, revision=revision,
            create_pr=create_pr, parent_commit=parent_commit,
        )

    async def delete_files(
        self,
        repo_id: str,
        delete_patterns: list[str],
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        create_pr: bool | None = None,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        """Delete the remote files matching ``delete_patterns`` (paths or ``fnmatch`` globs; ``dir/`` = below it).

        ```python
        await api.delete_files("alice/m", ["*.log", "tmp/"])
        ```
        """
        target = self._target(repo_id, repo_type, revision, create_pr)
        remote = await self._list_remote_files(target, token)
        operations: list[CommitOperation] = [CommitOperationDelete(path_in_repo=p, is_folder=False)
                                             for p in matching_deletions(remote, "", delete_patterns, set())]
        return await self._commit(
            target, operations, commit_message=commit_message or f"Delete files {' '.join(delete_patterns)} with huggingface_hub",
            commit_description=commit_description, parent_commit=parent_commit, token=token,
        )

    async def delete_folder(
        self,
        path_in_repo: str,
        repo_id: str,
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
        revision: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        create_pr: bool | None = None,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        """Delete a folder and everything below it in a commit.

        ```python
        await api.delete_folder("logs", "alice/m")
        ```
        """
        return await self.create_commit(
            repo_id, [CommitOperationDelete(path_in_repo=path_in_repo.rstrip("/") + "/", is_folder=True)],
            commit_message=commit_message or f"Delete folder {path_in_repo} with huggingface_hub",
            commit_description=commit_description, token=token, repo_type=repo_type, revision=revision,
            create_pr=create_pr, parent_commit=parent_commit,
        )
