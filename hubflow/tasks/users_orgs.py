"""User, organisation and like nodes: overviews, people lists (``Link``-paginated), likes.

```python
user = await ctx.submit(GetUserOverview(username="alice"))
members = await ctx.submit(ListOrganizationMembers(organization="acme"))   # list[User]
usage = await ctx.submit(ListUserRepos(namespace="acme"))                  # list[RepoStorageInfo]
await ctx.submit(LikeRepo(repo_id="alice/m"))
```
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.schema import LikedRepo, Organization, RepoStorageInfo, User
from hubflow.tasks._base import Endpoint

__all__ = [
    "GetOrganizationOverview",
    "GetUserOverview",
    "LikeRepo",
    "ListLikedRepos",
    "ListOrganizationFollowers",
    "ListOrganizationMembers",
    "ListRepoLikers",
    "ListUserFollowers",
    "ListUserFollowing",
    "ListUserRepos",
    "UnlikeRepo",
]


class GetUserOverview(Endpoint[User], kw_only=True):
    """``GET /api/users/{username}/overview``: counts, orgs, follow state.

    ```python
    GetUserOverview(username="alice")
    ```
    """

    method = "GET"
    path = "/api/users/{username}/overview"
    result_type = User

    username: str


class GetOrganizationOverview(Endpoint[Organization], kw_only=True):
    """``GET /api/organizations/{organization}/overview``.

    ```python
    GetOrganizationOverview(organization="acme")
    ```
    """

    method = "GET"
    path = "/api/organizations/{organization}/overview"
    result_type = Organization

    organization: str


class ListUserFollowers(Endpoint[User], kw_only=True):
    """``GET /api/users/{username}/followers`` (paginated).

    ```python
    ListUserFollowers(username="alice")
    ```
    """

    method = "GET"
    path = "/api/users/{username}/followers"
    result_type = User
    paginated = True

    username: str


class ListUserFollowing(Endpoint[User], kw_only=True):
    """``GET /api/users/{username}/following`` (paginated; users and organisations).

    ```python
    ListUserFollowing(username="bob")
    ```
    """

    method = "GET"
    path = "/api/users/{username}/following"
    result_type = User
    paginated = True

    username: str


class ListOrganizationMembers(Endpoint[User], kw_only=True):
    """``GET /api/organizations/{organization}/members`` (paginated).

    ```python
    ListOrganizationMembers(organization="acme")
    ```
    """

    method = "GET"
    path = "/api/organizations/{organization}/members"
    result_type = User
    paginated = True

    organization: str


class ListOrganizationFollowers(Endpoint[User], kw_only=True):
    """``GET /api/organizations/{organization}/followers`` (paginated).

    ```python
    ListOrganizationFollowers(organization="acme")
    ```
    """

    method = "GET"
    path = "/api/organizations/{organization}/followers"
    result_type = User
    paginated = True

    organization: str


class ListLikedRepos(Endpoint[LikedRepo], kw_only=True):
    """``GET /api/users/{user}/likes`` (paginated): ``{"createdAt", "repo": {"name", "type"}}`` items.

    ```python
    ListLikedRepos(user="alice")
    ```
    """

    method = "GET"
    path = "/api/users/{user}/likes"
    result_type = LikedRepo
    paginated = True

    user: str


class _RepoNode(Endpoint[None], kw_only=True):
    repo_id: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)
        normalize_repo_type(self.repo_type)


class ListRepoLikers(Endpoint[User], kw_only=True):
    """``GET /api/{T}/{R}/likers`` (paginated).

    ```python
    ListRepoLikers(repo_id="alice/m")
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/likers"
    result_type = User
    paginated = True

    repo_id: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)
        normalize_repo_type(self.repo_type)


class LikeRepo(_RepoNode, kw_only=True):
    """``POST /api/{T}/{R}/like`` (the Hub route behind the removed ``like``; hubflow keeps it).

    ```python
    LikeRepo(repo_id="alice/m", repo_type="dataset")
    ```
    """

    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/like"

    def request_body(self) -> None:
        return None


class UnlikeRepo(_RepoNode, kw_only=True):
    """``DELETE /api/{T}/{R}/like``.

    ```python
    UnlikeRepo(repo_id="alice/m")
    ```
    """

    method = "DELETE"
    path = "/api/{repo_type_plural}/{repo_id}/like"
    idempotent: ClassVar[bool] = True


class ListUserRepos(Endpoint[RepoStorageInfo], kw_only=True):
    """Storage used per repo (paginated): ``GET /api/settings/repositories`` for the token's user, or
    ``GET /api/organizations/{namespace}/settings/repositories`` for an organisation.

    ```python
    ListUserRepos()                    # the caller's repos
    ListUserRepos(namespace="acme")    # an organisation's (membership needed)
    ```
    """

    method = "GET"
    path = "/api/settings/repositories"
    result_type = RepoStorageInfo
    paginated = True
    exclude = frozenset({"namespace"})

    namespace: str | None = None

    def request_path(self) -> str:
        if self.namespace is None:
            return type(self).path
        return f"/api/organizations/{quote(self.namespace, safe='')}/settings/repositories"
