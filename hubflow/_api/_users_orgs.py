"""Users, organisations and likes on the facade (huggingface_hub 2.4.0 names; ``like`` is hubflow's extra).

```python
api = HfApi(token="hf_alice_write")
api.get_user_overview("alice").num_models
[m.username for m in api.list_organization_members("acme")]
api.like("bob/model"); api.list_liked_repos().models      # ["bob/model"]
[(r.id, r.storage) for r in api.list_user_repos("acme")]   # storage per repo, largest first
```
"""

from __future__ import annotations

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._paging import Paged
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.schema import LikedRepo, Organization, RepoStorageInfo, User, UserLikes, user_likes_from_items
from hubflow.tasks.users import WhoAmI
from hubflow.tasks.users_orgs import (
    GetOrganizationOverview,
    GetUserOverview,
    LikeRepo,
    ListLikedRepos,
    ListOrganizationFollowers,
    ListOrganizationMembers,
    ListRepoLikers,
    ListUserFollowers,
    ListUserFollowing,
    ListUserRepos,
    UnlikeRepo,
)

__all__ = ["UsersOrgsMixin"]


class UsersOrgsMixin(AsyncHfApiBase):
    """Overviews, followers, members, likes (see the module docstring)."""

    async def get_user_overview(self, username: str, token: TokenArg = None) -> User:
        """A user's public profile: ``username``, ``fullname``, counts (``num_models``, ...), ``orgs``.

        ```python
        user = await api.get_user_overview("alice")
        user.num_followers, [o.name for o in user.orgs]
        ```
        """
        return await self._run(GetUserOverview(username=username, token=token))

    async def get_organization_overview(self, organization: str, token: TokenArg = None) -> Organization:
        """An organisation's profile: ``name``, ``fullname``, ``num_users``, ``num_models``, ...

        ```python
        (await api.get_organization_overview("acme")).num_users
        ```
        """
        return await self._run(GetOrganizationOverview(organization=organization, token=token))

    def list_user_followers(self, username: str, token: TokenArg = None) -> Paged[User]:
        """Users following ``username``, lazily.

        ```python
        [u.username async for u in api.list_user_followers("alice")]
        ```
        """
        return Paged(self.hub, ListUserFollowers(username=username, token=token))

    def list_user_following(self, username: str, token: TokenArg = None) -> Paged[User]:
        """Users (and organisations) ``username`` follows, lazily.

        ```python
        [u.username async for u in api.list_user_following("bob")]
        ```
        """
        return Paged(self.hub, ListUserFollowing(username=username, token=token))

    def list_organization_members(self, organization: str, token: TokenArg = None) -> Paged[User]:
        """Members of an organisation, lazily.

        ```python
        [u.username async for u in api.list_organization_members("acme")]
        ```
        """
        return Paged(self.hub, ListOrganizationMembers(organization=organization, token=token))

    def list_organization_followers(self, organization: str, token: TokenArg = None) -> Paged[User]:
        """Users following an organisation, lazily.

        ```python
        [u.username async for u in api.list_organization_followers("acme")]
        ```
        """
        return Paged(self.hub, ListOrganizationFollowers(organization=organization, token=token))

    async def like(self, repo_id: str, *, token: TokenArg = None, repo_type: str | None = None) -> None:
        """Like a repo (huggingface_hub ≤ 0.27 had it; the Hub route still exists). Idempotent.

        ```python
        await api.like("bob/model")
        ```
        """
        await self._run(LikeRepo(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), token=token))

    async def unlike(self, repo_id: str, *, token: TokenArg = None, repo_type: str | None = None) -> None:
        """Remove your like from a repo (nothing happens if you had not liked it).

        ```python
        await api.unlike("bob/model")
        ```
        """
        await self._run(UnlikeRepo(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), token=token))

    async def list_liked_repos(self, user: str | None = None, *, token: TokenArg = None) -> UserLikes:
        """Repos ``user`` (default: the token's user) liked, split into ``models``, ``datasets``, ``spaces``.

        ```python
        likes = await api.list_liked_repos("alice")
        likes.total, likes.models
        ```
        """
        if user is None:
            me = await self._run(WhoAmI(token=token))
            if me.get("type") != "user":
                raise ValueError("Cannot list liked repos. You must provide a 'user' as input or be logged in as a user.")
            user = str(me["name"])
        items: list[LikedRepo] = await Paged[LikedRepo](self.hub, ListLikedRepos(user=user, token=token)).collect()
        return user_likes_from_items(user, items)

    def list_repo_likers(self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None) -> Paged[User]:
        """Users who liked a repo, lazily (``username``, ``fullname``, ``avatar_url``).

        ```python
        [u.username async for u in api.list_repo_likers("alice/m")]
        ```
        """
        return Paged(self.hub, ListRepoLikers(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), token=token))


    def list_user_repos(self, namespace: str | None = None, *, token: TokenArg = None) -> Paged[RepoStorageInfo]:
        """Storage used by each repo of the token's user, or of organisation ``namespace``, lazily.

        Each item is a ``RepoStorageInfo``: ``id``, ``type``, ``updated_at``, ``visibility``,
        ``storage`` (bytes) and ``storage_percent`` (share of the namespace's total). An
        organisation's list needs membership (403 otherwise).

        ```python
        async for repo in api.list_user_repos():
            print(repo.id, repo.storage, f"{repo.storage_percent:.1f}%")
        usage = [r async for r in api.list_user_repos(namespace="acme")]
        ```
        """
        return Paged(self.hub, ListUserRepos(namespace=namespace, token=token))
