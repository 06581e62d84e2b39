"""Users and organisations: `User`, `Organization`, `WhoAmI`, `UserLikes`, `RepoStorageInfo`.

```python
user = msgspec.json.decode(body, type=User)      # GET /api/users/{name}/overview
user.username, user.num_models, [o.name for o in user.orgs]
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "AccessTokenInfo",
    "LikedRepo",
    "Organization",
    "RepoStorageInfo",
    "User",
    "UserLikes",
    "WhoAmI",
    "WhoAmIAuth",
    "WhoAmIOrg",
    "user_likes_from_items",
]


class Organization(Wire, frozen=True):
    """An organisation (overview, paper organisation, `User.orgs`).

    ```python
    msgspec.json.decode(b'{"name": "acme", "numUsers": 3}', type=Organization).num_users  # 3
    ```
    """

    name: str = ""
    fullname: str = ""
    avatar_url: str = ""
    details: str | None = None
    is_verified: bool | None = None
    is_following: bool | None = None
    num_users: int | None = None
    num_models: int | None = None
    num_spaces: int | None = None
    num_datasets: int | None = None
    num_followers: int | None = None
    num_papers: int | None = None
    plan: str | None = None


class User(Wire, frozen=True):
    """A user (overview, followers, members, likers, paper authors); the name is the wire key `user`.

    ```python
    msgspec.json.decode(b'{"user": "alice", "type": "user"}', type=User).username  # "alice"
    ```
    """

    username: str = msgspec.field(default="", name="user")
    fullname: str = ""
    avatar_url: str = ""
    details: str | None = None
    is_following: bool | None = None
    is_pro: bool | None = None
    num_models: int | None = None
    num_datasets: int | None = None
    num_spaces: int | None = None
    num_discussions: int | None = None
    num_papers: int | None = None
    num_upvotes: int | None = None
    num_likes: int | None = None
    num_following: int | None = None
    num_followers: int | None = None
    user_type: str | None = msgspec.field(default=None, name="type")
    orgs: list[Organization] = []


class AccessTokenInfo(Wire, frozen=True):
    """The token used for `whoami`: display name, role, creation date."""

    display_name: str | None = None
    role: str | None = None
    created_at: datetime | None = None
    fine_grained: dict[str, Any] | None = None


class WhoAmIAuth(Wire, frozen=True):
    """`auth` of `whoami`: its `type` and the `accessToken`."""

    type: str | None = None
    access_token: AccessTokenInfo | None = None


class WhoAmIOrg(Wire, frozen=True):
    """An organisation listed by `whoami`."""

    name: str
    type: str = "org"
    id: str | None = None
    fullname: str | None = None
    email: str | None = None
    can_pay: bool | None = None
    avatar_url: str | None = None
    role_in_org: str | None = None


class WhoAmI(Wire, frozen=True):
    """Answer of `GET /api/whoami-v2` (huggingface_hub returns the raw dict; `to_dict()` gives it).

    ```python
    me = msgspec.json.decode(body, type=WhoAmI)
    me.name, me.auth.access_token.role, [o.name for o in me.orgs]
    ```
    """

    name: str
    type: str = "user"
    id: str | None = None
    fullname: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    is_pro: bool | None = None
    can_pay: bool | None = None
    avatar_url: str | None = None
    period_end: Any = None
    billing_mode: str | None = None
    orgs: list[WhoAmIOrg] = []
    auth: WhoAmIAuth | None = None

    def to_dict(self) -> dict[str, Any]:
        """The camelCase dict huggingface_hub's `whoami()` returns (known keys only)."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    def __getitem__(self, key: str) -> Any:
        # `whoami()["name"]` is the common huggingface_hub idiom
        return self.to_dict()[key]


class LikedRepo(Wire, frozen=True):
    """One item of `GET /api/users/{user}/likes`: `{"createdAt", "repo": {"name", "type"}}`."""

    repo: dict[str, str]
    created_at: datetime | None = None


class UserLikes(Wire, frozen=True):
    """Repos liked by a user, split by type (built with `user_likes_from_items`).

    ```python
    likes = user_likes_from_items("alice", msgspec.json.decode(body, type=list[LikedRepo]))
    ```
    """

    user: str
    total: int
    datasets: list[str] = []
    kernels: list[str] = []
    models: list[str] = []
    spaces: list[str] = []


def user_likes_from_items(user: str, items: list[LikedRepo]) -> UserLikes:
    """Group liked repos by `repo.type` into a `UserLikes`.

    ```python
    user_likes_from_items("alice", [LikedRepo(repo={"name": "a/m", "type": "model"})]).models  # ["a/m"]
    ```
    """
    by_type: dict[str, list[str]] = {"dataset": [], "kernel": [], "model": [], "space": []}
    for item in items:
        by_type.setdefault(item.repo["type"], []).append(item.repo["name"])
    return UserLikes(
        user=user,
        total=len(items),
        datasets=by_type["dataset"],
        kernels=by_type["kernel"],
        models=by_type["model"],
        spaces=by_type["space"],
    )


class RepoStorageInfo(Wire, frozen=True):
    """Storage used by one repo (`list_user_repos`).

    ```python
    msgspec.json.decode(item, type=RepoStorageInfo).storage
    ```
    """

    id: str
    type: str
    updated_at: datetime
    visibility: str
    storage: int
    storage_percent: float = 0
