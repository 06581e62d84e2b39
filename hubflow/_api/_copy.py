"""``copy_files``: copy files or folders between repos on the Hub with one commit of copy operations.

Mirrors huggingface_hub's repo-to-repo path: sources are listed (``get_paths_info``, else a
recursive ``list_repo_tree``), target paths follow ``cp -r`` / rsync rules (a trailing ``/`` on the
source copies the folder's *contents*; an existing destination folder receives the source folder
itself), and one ``create_commit`` of ``CommitOperationCopy`` lands on the destination (LFS files
are copied server-side, regular files re-sent). Across repos, the Hub duplicates LFS objects only
by their Xet hash, which hubflow does not use: those files are downloaded to a temporary folder and
uploaded again (same sha256, same commit). Storage buckets are not supported by hubflow.

```python
api.copy_files("hf://alice/src/weights/", "hf://datasets/alice/backup/weights")
```
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator

from hubflow._api._base import AsyncHfApiBase
from hubflow._hf_uri import HfUri, parse_hf_uri
from hubflow._operations import CommitOperation, CommitOperationAdd, CommitOperationCopy
from hubflow._settings import TokenArg
from hubflow.errors import EntryNotFoundError, RemoteEntryNotFoundError
from hubflow.schema import RepoFile, RepoFolder

__all__ = ["CopyMixin", "copy_target_path"]


def copy_target_path(
    src_file_path: str,
    src_root_path: str | None,
    *,
    is_single_file: bool,
    destination_path: str,
    destination_is_directory: bool,
    destination_exists_as_directory: bool,
    merge_contents: bool,
) -> str:
    """Where one source file lands (huggingface_hub's ``_resolve_copy_target_path`` rules).

    ```python
    >>> copy_target_path("w/a.bin", "w", is_single_file=False, destination_path="bk",
    ...                  destination_is_directory=True, destination_exists_as_directory=True, merge_contents=False)
    'bk/w/a.bin'
    ```
    """
    basename = src_file_path.rsplit("/", 1)[-1]
    if is_single_file:
        if destination_path == "":
            return basename
        return f"{destination_path.rstrip('/')}/{basename}" if destination_is_directory else destination_path
    if src_root_path is None:
        relative = src_file_path
    elif src_file_path.startswith(src_root_path + "/"):
        relative = src_file_path[len(src_root_path) + 1 :]
    elif src_file_path == src_root_path:
        relative = basename
    else:
        raise ValueError(f"Unexpected source path while copying folder: '{src_file_path}'.")
    # cp -r: copying into an existing folder nests the source folder; a trailing "/" (rsync) does not.
    if destination_exists_as_directory and src_root_path is not None and not merge_contents:
        relative = f"{src_root_path.rsplit('/', 1)[-1]}/{relative}"
    return relative if destination_path == "" else f"{destination_path.rstrip('/')}/{relative}"


class CopyMixin(AsyncHfApiBase):
    """``copy_files`` (repo to repo)."""

    async def copy_files(self, source: str, destination: str, *, token: TokenArg = None) -> None:
        """Copy a file or a folder from one repo location to another (``hf://`` URIs), in one commit.

        A trailing ``/`` on ``source`` copies the folder's contents; without it the folder is
        nested into an existing destination folder (``cp -r``). ``EntryNotFoundError`` when the
        source holds no file; ``NotImplementedError`` for storage buckets.

        ```python
        await api.copy_files("hf://alice/src/config.json", "hf://alice/dst/config.json")
        await api.copy_files("hf://alice/src/", "hf://alice/dst/")        # the whole repo's files
        ```
        """
        src, dst = parse_hf_uri(source), parse_hf_uri(destination)
        if src.is_bucket or dst.is_bucket:
            raise NotImplementedError("Storage buckets are not supported by hubflow: copy between repositories.")
        merge_contents = source.endswith("/")
        dest_path = dst.path_in_repo
        dest_is_dir = dest_exists_as_dir = dest_path == ""
        if dest_path:
            found = await self.get_paths_info(  # type: ignore[attr-defined]
                dst.id, [dest_path], repo_type=dst.type, revision=dst.revision, token=token
            )
            if len(found) == 1 and isinstance(found[0], RepoFolder):
                dest_is_dir = dest_exists_as_dir = True
            elif not (len(found) == 1 and isinstance(found[0], RepoFile)):
                dest_exists_as_dir = await self._has_entries(dst, dest_path, token)
                dest_is_dir = dest_exists_as_dir or destination.endswith("/")
        same_repo = (src.id, src.type) == (dst.id, dst.type)
        pairs = [pair async for pair in self._copy_pairs(src, dest_path, dest_is_dir, dest_exists_as_dir,
                                                          merge_contents, token)]
        if not pairs:
            raise EntryNotFoundError(f"No files found at '{source}' in {src.type} '{src.id}'.")
        with tempfile.TemporaryDirectory(prefix="hubflow-copy-") as scratch:
            operations: list[CommitOperation] = []
            for entry, target in pairs:
                if entry.lfs is not None and not same_repo:
                    local = await self.hf_hub_download(  # type: ignore[attr-defined]
                        src.id, entry.path, repo_type=src.type, revision=src.revision, local_dir=scratch,
                        token=token,
                    )
                    operations.append(CommitOperationAdd(path_in_repo=target, path_or_fileobj=local))
                    continue
                operations.append(CommitOperationCopy(
                    src_path_in_repo=entry.path, path_in_repo=target, src_revision=src.revision,
                    src_repo_id=None if same_repo else src.id, src_repo_type=None if same_repo else src.type,
                ))
            await self.create_commit(  # type: ignore[attr-defined]
                dst.id, operations, commit_message=f"Copy files from {src.type}s/{src.id}",
                repo_type=dst.type, revision=dst.revision, token=token,
            )

    async def _has_entries(self, uri: HfUri, path: str, token: TokenArg) -> bool:
        try:
            async for _ in self.list_repo_tree(  # type: ignore[attr-defined]
                uri.id, path, repo_type=uri.type, revision=uri.revision, token=token
            ):
                return True
        except RemoteEntryNotFoundError:
            return False
        return False

    async def _copy_pairs(
        self, src: HfUri, dest_path: str, dest_is_dir: bool, dest_exists_as_dir: bool, merge_contents: bool,
        token: TokenArg,
    ) -> AsyncIterator[tuple[RepoFile, str]]:
        def target(path: str, root: str | None, single: bool) -> str:
            return copy_target_path(
                path, root, is_single_file=single, destination_path=dest_path, destination_is_directory=dest_is_dir,
                destination_exists_as_directory=dest_exists_as_dir, merge_contents=merge_contents,
            )

        if src.path_in_repo:
            found = await self.get_paths_info(  # type: ignore[attr-defined]
                src.id, [src.path_in_repo], repo_type=src.type, revision=src.revision, token=token
            )
            if len(found) == 1 and isinstance(found[0], RepoFile):
                yield found[0], target(found[0].path, None, True)
                return
        async for entry in self.list_repo_tree(  # type: ignore[attr-defined]
            src.id, src.path_in_repo, recursive=True, repo_type=src.type, revision=src.revision, token=token
        ):
            if isinstance(entry, RepoFile):
                yield entry, target(entry.path, src.path_in_repo or None, False)
