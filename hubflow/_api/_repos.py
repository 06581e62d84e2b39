"""Repositories on the facade: create, delete, move, settings, info, existence, auth check.

Same names, parameters and defaults as ``huggingface_hub.HfApi`` 2.4.0. Repo ids and revisions
are validated before any request (``HFValidationError``). ``token`` is a ``TokenArg``.

```python
api = HfApi(token="hf_alice_write")
url = api.create_repo("alice/demo", repo_type="dataset", exist_ok=True)
api.dataset_info("alice/demo").sha
api.repo_exists("alice/nope")        # False
```
"""

from __future__ import annotations

from typing import Any, Literal

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.errors import (
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.schema import DatasetInfo, ModelInfo, RepoUrl, SpaceInfo
from hubflow.tasks.repos import (
    AuthCheck,
    CreateRepo,
    DeleteRepo,
    MoveRepo,
    RepoInfo,
    UpdateRepoSettings,
    resolve_visibility,
    warn_ignored,
)

__all__ = ["ReposMixin"]

_SPACE_SDKS = ("gradio", "streamlit", "docker", "static")


def _expand_check(expand: list[str] | None, **flags: bool | None) -> None:
    used = [name for name, value in flags.items() if value]
    if expand and used:
        raise HFValidationError(f"`expand` cannot be used if {' or '.join(f'`{n}`' for n in used)} are set.")


class ReposMixin(AsyncHfApiBase):
    """Repository CRUD and info (see the module docstring)."""

    async def create_repo(
        self,
        repo_id: str,
        *,
        token: TokenArg = None,
        private: bool | None = None,
        visibility: Literal["public", "private", "protected"] | None = None,
        repo_type: str | None = None,
        exist_ok: bool = False,
        resource_group_id: str | None = None,
        region: Literal["us", "eu"] | None = None,
        space_sdk: str | None = None,
        space_hardware: str | None = None,
        space_sleep_time: int | None = None,
        space_secrets: list[dict[str, str]] | None = None,
        space_variables: list[dict[str, str]] | None = None,
        space_volumes: list[Any] | None = None,
        space_template: str | None = None,
    ) -> RepoUrl:
        """Create a repository and return its ``RepoUrl``.

        ``exist_ok=True`` returns the existing repo's URL instead of raising (a 409, or a
        401/402/403 on a repo we can read). Spaces need ``space_sdk``; ``space_template`` is a
        template repo id sent as is. Space-only arguments warn and are ignored for other types.

        ```python
        url = await api.create_repo("alice/demo", private=True, exist_ok=True)
        url.repo_id, url.repo_type   # ("alice/demo", "model")
        ```
        """
        kind = normalize_repo_type(repo_type)
        resolved = resolve_visibility(private, visibility, repo_type)
        extra: dict[str, Any] = {}
        space_args = {
            "space_hardware": ("hardware", space_hardware),
            "space_sleep_time": ("sleepTimeSeconds", space_sleep_time),
            "space_secrets": ("secrets", space_secrets),
            "space_variables": ("variables", space_variables),
            "space_volumes": ("volumes", [v.to_dict() if hasattr(v, "to_dict") else v for v in space_volumes or []] or None),
        }
        if kind == "space":
            if space_sdk not in _SPACE_SDKS:
                raise HFValidationError(f"space_sdk must be one of {_SPACE_SDKS} when repo_type is 'space', got {space_sdk!r}.")
            extra["sdk"] = space_sdk
            if space_template is not None:
                extra["template"] = space_template
            extra.update({key: value for key, value in space_args.values() if value is not None})
        else:
            if space_template is not None:
                raise HFValidationError(f"space_template can only be used with repo_type 'space'. Got repo_type={repo_type}.")
            warn_ignored(["space_sdk"] if space_sdk is not None else [])
            warn_ignored([name for name, (_, value) in space_args.items() if value is not None])
        if resource_group_id is not None:
            extra["resourceGroupId"] = resource_group_id
        if region is not None:
            extra["region"] = region
        return await self._run(
            CreateRepo(
                repo_id=repo_id, repo_type=repo_type, visibility=resolved, exist_ok=exist_ok, extra=extra or None, token=token
            )
        )

    async def delete_repo(
        self, repo_id: str, *, token: TokenArg = None, repo_type: str | None = None, missing_ok: bool = False
    ) -> None:
        """Delete a repository; ``missing_ok=True`` ignores a missing one.

        ```python
        await api.delete_repo("alice/old", missing_ok=True)
        ```
        """
        await self._run(DeleteRepo(repo_id=repo_id, repo_type=repo_type, missing_ok=missing_ok, token=token))

    async def move_repo(
        self, from_id: str, to_id: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> None:
        """Rename or transfer a repository (both ids need a namespace).

        ```python
        await api.move_repo("alice/a", "acme/a")
        ```
        """
        node = MoveRepo(from_repo=from_id, to_repo=to_id, type=normalize_repo_type(repo_type), token=token)
        try:
            await self._run(node)
        except HfHubHTTPError as err:
            err.append_to_message(
                "\nFor additional documentation please see"
                " https://hf.co/docs/hub/repositories-settings#renaming-or-transferring-a-repo."
            )
            raise

    async def update_repo_settings(
        self,
        repo_id: str,
        *,
        gated: Literal["auto", "manual", False] | None = None,
        private: bool | None = None,
        visibility: Literal["public", "private", "protected"] | None = None,
        token: TokenArg = None,
        repo_type: str | None = None,
    ) -> None:
        """Change a repository's gating (``"auto"``, ``"manual"``, ``False``) and/or visibility.

        ```python
        await api.update_repo_settings("alice/m1", private=True, gated="manual")
        ```
        """
        kind = normalize_repo_type(repo_type)
        node = UpdateRepoSettings(
            repo_id=repo_id, repo_type=kind, gated=gated, visibility=resolve_visibility(private, visibility, kind), token=token
        )
        await self._run(node)

    async def model_info(
        self,
        repo_id: str,
        *,
        revision: str | None = None,
        timeout: float | None = None,
        securityStatus: bool | None = None,
        files_metadata: bool = False,
        expand: list[str] | None = None,
        token: TokenArg = None,
    ) -> ModelInfo:
        """Info on a model: ``sha``, ``siblings`` (sizes and LFS with ``files_metadata=True``), card data...

        ```python
        info = await api.model_info("alice/m1", revision="v1.0", files_metadata=True)
        [(s.rfilename, s.size) for s in info.siblings]
        ```
        """
        _expand_check(expand, securityStatus=securityStatus, files_metadata=files_metadata)
        node = RepoInfo(
            repo_id=repo_id, repo_type="model", revision=revision, expand=expand or None, blobs=files_metadata or None,
            security_status=securityStatus or None, timeout=timeout, token=token,
        )
        info = await self._run(node)
        assert isinstance(info, ModelInfo)
        return info

    async def dataset_info(
        self,
        repo_id: str,
        *,
        revision: str | None = None,
        timeout: float | None = None,
        files_metadata: bool = False,
        expand: list[str] | None = None,
        token: TokenArg = None,
    ) -> DatasetInfo:
        """Info on a dataset (see ``model_info``).

        ```python
        (await api.dataset_info("alice/d1")).card_data
        ```
        """
        info = await self._info(repo_id, "dataset", revision, timeout, files_metadata, expand, token)
        assert isinstance(info, DatasetInfo)
        return info

    async def space_info(
        self,
        repo_id: str,
        *,
        revision: str | None = None,
        timeout: float | None = None,
        files_metadata: bool = False,
        expand: list[str] | None = None,
        token: TokenArg = None,
    ) -> SpaceInfo:
        """Info on a Space (see ``model_info``): ``sdk``, ``runtime``...

        ```python
        (await api.space_info("alice/demo")).sdk
        ```
        """
        info = await self._info(repo_id, "space", revision, timeout, files_metadata, expand, token)
        assert isinstance(info, SpaceInfo)
        return info

    async def repo_info(
        self,
        repo_id: str,
        *,
        revision: str | None = None,
        repo_type: str | None = None,
        timeout: float | None = None,
        files_metadata: bool = False,
        expand: list[str] | None = None,
        token: TokenArg = None,
    ) -> ModelInfo | DatasetInfo | SpaceInfo:
        """``model_info``, ``dataset_info`` or ``space_info`` by ``repo_type``.

        ```python
        info = await api.repo_info("alice/d1", repo_type="dataset")
        ```
        """
        return await self._info(repo_id, normalize_repo_type(repo_type), revision, timeout, files_metadata, expand, token)

    async def _info(
        self,
        repo_id: str,
        repo_type: str,
        revision: str | None,
        timeout: float | None,
        files_metadata: bool,
        expand: list[str] | None,
        token: TokenArg,
    ) -> ModelInfo | DatasetInfo | SpaceInfo:
        _expand_check(expand, files_metadata=files_metadata)
        node = RepoInfo(
            repo_id=repo_id, repo_type=repo_type, revision=revision, expand=expand or None,
            blobs=files_metadata or None, timeout=timeout, token=token,
        )
        return await self._run(node)

    async def repo_exists(self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None) -> bool:
        """Whether the repo exists (a gated repo we cannot read counts as existing).

        ```python
        await api.repo_exists("alice/m1")   # True
        ```
        """
        try:
            await self._run(RepoInfo(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), token=token))
        except GatedRepoError:
            return True
        except RepositoryNotFoundError:
            return False
        return True

    async def revision_exists(
        self, repo_id: str, revision: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> bool:
        """Whether ``revision`` (branch, tag, sha, ``refs/pr/N``) exists in the repo (False if no repo).

        ```python
        await api.revision_exists("alice/m1", "v1.0")
        ```
        """
        node = RepoInfo(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), revision=revision, token=token)
        try:
            await self._run(node)
        except (RevisionNotFoundError, RepositoryNotFoundError):
            return False
        return True

    async def auth_check(
        self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None, write: bool = False
    ) -> None:
        """Raise unless the token may read (``write=True``: write) the repo.

        Missing or private-and-not-ours → ``RepositoryNotFoundError``; gated → ``GatedRepoError``;
        no write access → ``HfHubHTTPError`` 403.

        ```python
        await api.auth_check("alice/m1", write=True)
        ```
        """
        await self._run(AuthCheck(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), write=write, token=token))
