"""Repository nodes: create, delete, move, settings, info, auth check.

Every node validates its repo id (and revision) when it is built, so a malformed id fails
before any request: ``RepoInfo(repo_id="a/b/c")`` raises ``HFValidationError``.

```python
info = await ctx.submit(RepoInfo(repo_id="alice/m1", revision="main", blobs=True))
url = await ctx.submit(CreateRepo(repo_id="alice/new", repo_type="dataset", exist_ok=True))
```
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import msgspec

from hubflow._validation import normalize_repo_type, validate_repo_id, validate_revision
from hubflow.errors import HfHubHTTPError, HFValidationError, RepositoryNotFoundError, raise_for_status
from hubflow.schema import CreateRepoResponse, DatasetInfo, ModelInfo, RepoUrl, SpaceInfo
from hubflow.tasks._base import Endpoint, Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "AnyRepoInfo",
    "AuthCheck",
    "CreateRepo",
    "DeleteRepo",
    "MoveRepo",
    "RepoInfo",
    "UpdateRepoSettings",
    "repo_url",
    "resolve_visibility",
    "warn_ignored",
]

AnyRepoInfo = ModelInfo | DatasetInfo | SpaceInfo
_INFO_TYPES: dict[str, type[Any]] = {"model": ModelInfo, "dataset": DatasetInfo, "space": SpaceInfo}
_CONFLICT_IN_PROGRESS = "Cannot create repo: another conflicting operation is in progress"


def _check_repo(repo_id: str, repo_type: str | None) -> None:
    validate_repo_id(repo_id)
    normalize_repo_type(repo_type)


def repo_url(endpoint: str, repo_id: str, repo_type: str | None) -> RepoUrl:
    """The web URL of a repository, built client-side (``/datasets/...`` for datasets).

    ```python
    repo_url("http://127.0.0.1:8000", "alice/d", "dataset")  # ".../datasets/alice/d"
    ```
    """
    prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[normalize_repo_type(repo_type)]
    return RepoUrl(f"{endpoint.rstrip('/')}/{prefix}{repo_id}", endpoint=endpoint)


class RepoInfo(Endpoint[AnyRepoInfo], kw_only=True):
    """``GET /api/{T}/{R}[/revision/{rev}]``: a ``ModelInfo``, ``DatasetInfo`` or ``SpaceInfo``.

    No revision → the short form (the default branch). ``blobs=True`` fills the siblings' sizes,
    blob ids and LFS facts; ``expand`` narrows the answer to the named properties.

    ```python
    RepoInfo(repo_id="alice/d1", repo_type="dataset", revision="v1.0")
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/revision/{revision}"
    exclude = frozenset({"timeout"})

    repo_id: str
    repo_type: str = "model"
    revision: str | None = None
    expand: list[str] | None = None
    blobs: bool | None = None
    security_status: bool | None = msgspec.field(default=None, name="securityStatus")
    timeout: float | None = None

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        if self.revision is not None:
            validate_revision(self.revision)

    def request_path(self) -> str:
        base = f"/api/{self.repo_type_plural}/{self.repo_id}"
        return base if self.revision is None else f"{base}/revision/{quote(self.revision, safe='')}"

    def decode(self, content: bytes) -> AnyRepoInfo:
        info: AnyRepoInfo = msgspec.json.decode(content, type=_INFO_TYPES[normalize_repo_type(self.repo_type)])
        return info

    async def run(self, ctx: Context) -> AnyRepoInfo:
        # Declarative except for the per-call timeout, which the generic run does not forward.
        response = await ctx.hub.request(
            "GET", self.request_path(), token=self.token, params=self.request_params(), timeout=self.timeout
        )
        return self.decode(response.content)


class AuthCheck(Endpoint[None], kw_only=True):
    """``GET /api/{T}/{R}/auth-check[/write]``: raises unless the token may read (or write) the repo.

    ```python
    AuthCheck(repo_id="alice/m1", write=True)
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/auth-check"
    exclude = frozenset({"write"})

    repo_id: str
    repo_type: str = "model"
    write: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)

    def request_path(self) -> str:
        return super().request_path() + ("/write" if self.write else "")


class CreateRepo(Task[RepoUrl], kw_only=True):
    """``POST /api/repos/create`` → the new repo's ``RepoUrl``, with huggingface_hub's ``exist_ok``.

    ``exist_ok=True``: a 409 still returns the URL read from the conflict body; a 401/402/403
    returns a client-built URL when the repo can be read (it exists, we may not create there).
    ``extra`` holds Space-only keys already in wire form (``sdk``, ``hardware``, ...).

    ```python
    CreateRepo(repo_id="alice/demo", repo_type="space", extra={"sdk": "gradio"}, exist_ok=True)
    ```
    """

    idempotent: ClassVar[bool] = False

    repo_id: str
    repo_type: str | None = None
    visibility: str | None = None
    exist_ok: bool = False
    extra: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)

    def body(self) -> dict[str, Any]:
        """The JSON body: ``organization`` is ``null`` for a bare name (the caller's namespace)."""
        organization, _, name = self.repo_id.rpartition("/")
        payload: dict[str, Any] = {"name": name, "organization": organization or None}
        if self.visibility is not None:
            payload["visibility"] = self.visibility
        if self.repo_type is not None:
            payload["type"] = normalize_repo_type(self.repo_type)
        payload.update(self.extra or {})
        return payload

    async def run(self, ctx: Context) -> RepoUrl:
        body = self.body()
        while True:
            response = await ctx.hub.request(
                "POST", "/api/repos/create", token=self.token, json=body, raise_errors=False
            )
            # The Hub refuses concurrent creations by one user with this 409; it is always safe to resend.
            if response.status_code == 409 and _CONFLICT_IN_PROGRESS in response.text:
                continue
            break
        endpoint = ctx.settings.endpoint
        if response.status_code == 409 and self.exist_ok:
            return RepoUrl(msgspec.json.decode(response.content, type=CreateRepoResponse).url, endpoint=endpoint)
        try:
            raise_for_status(response)
        except HfHubHTTPError as err:
            if not (self.exist_ok and response.status_code in (401, 402, 403)):
                raise
            try:  # we may not create here, but the repo may already exist
                await RepoInfo(repo_id=self.repo_id, repo_type=self.repo_type or "model", token=self.token).run(ctx)
            except HfHubHTTPError:
                raise err from None
            return repo_url(endpoint, self.repo_id, self.repo_type)
        return RepoUrl(msgspec.json.decode(response.content, type=CreateRepoResponse).url, endpoint=endpoint)


class DeleteRepo(Endpoint[None], kw_only=True):
    """``DELETE /api/repos/delete`` (JSON body); ``missing_ok`` swallows ``RepositoryNotFoundError``.

    ```python
    DeleteRepo(repo_id="alice/old", missing_ok=True)
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "DELETE"
    path = "/api/repos/delete"

    repo_id: str
    repo_type: str | None = None
    missing_ok: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)

    def request_params(self) -> None:
        return None

    def request_body(self) -> dict[str, Any]:
        organization, _, name = self.repo_id.rpartition("/")
        body: dict[str, Any] = {"name": name, "organization": organization or None}
        if self.repo_type is not None:
            body["type"] = normalize_repo_type(self.repo_type)
        return body

    async def run(self, ctx: Context) -> None:
        try:
            await super().run(ctx)
        except RepositoryNotFoundError:
            if not self.missing_ok:
                raise


class MoveRepo(Endpoint[None], kw_only=True):
    """``POST /api/repos/move``: rename or transfer ``namespace/name`` to another ``namespace/name``.

    ```python
    MoveRepo(from_repo="alice/a", to_repo="acme/a", type="dataset")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "POST"
    path = "/api/repos/move"

    from_repo: str = msgspec.field(name="fromRepo")
    to_repo: str = msgspec.field(name="toRepo")
    type: str = "model"

    def __post_init__(self) -> None:
        for repo_id in (self.from_repo, self.to_repo):
            if repo_id.count("/") != 1:
                raise HFValidationError(
                    f"Invalid repo_id: {repo_id}. It should have a namespace (:namespace:/:repo_name:)"
                )
            validate_repo_id(repo_id)
        normalize_repo_type(self.type)


class UpdateRepoSettings(Endpoint[None], kw_only=True):
    """``PUT /api/{T}/{R}/settings`` with ``gated`` (``"auto"``/``"manual"``/``False``) and/or ``visibility``.

    ```python
    UpdateRepoSettings(repo_id="alice/m1", visibility="private", gated="manual")
    ```
    """

    method = "PUT"
    path = "/api/{repo_type_plural}/{repo_id}/settings"

    repo_id: str
    repo_type: str = "model"
    gated: str | bool | None = None
    visibility: str | None = None

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        if self.gated not in (None, "auto", "manual", False):
            raise HFValidationError(f"Invalid gated status, must be one of 'auto', 'manual', or False. Got '{self.gated}'.")
        if self.gated is None and self.visibility is None:
            raise HFValidationError("At least one setting must be updated.")


def resolve_visibility(private: bool | None, visibility: str | None, repo_type: str | None) -> str | None:
    """huggingface_hub's rule: ``private`` maps to a visibility; both at once is an error.

    ```python
    resolve_visibility(True, None, None)  # "private"
    ```
    """
    if private is not None and visibility is not None:
        raise HFValidationError("Received both `private` and `visibility` arguments. Please provide only one of them.")
    if visibility is None:
        return None if private is None else ("private" if private else "public")
    if visibility == "protected" and normalize_repo_type(repo_type) != "space":
        raise HFValidationError("Only Spaces can be 'protected'. Please set visibility to 'public' or 'private'.")
    return visibility


def warn_ignored(names: list[str]) -> None:
    """Warn (like huggingface_hub) that Space-only arguments were given for another repo type."""
    if names:
        warnings.warn(f"Ignoring provided {', '.join(names)} because repo_type is not 'space'.", stacklevel=3)
