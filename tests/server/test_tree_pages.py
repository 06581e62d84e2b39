"""The tree listing's fast path: pages served from memory must still follow refs and access rules."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dulwich.objects import Tag
from dulwich.repo import Repo

from hubflow import AsyncHfApi, CommitOperationAdd
from hubflow.server._tree_pages import PAGES, PageCache
from hubflow.testing import LocalHub


@pytest.fixture
def small_pages(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub", page_size=2)  # a handful of files spans several pages


@pytest.fixture
async def client(small_pages: LocalHub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=small_pages.app)
    async with httpx.AsyncClient(transport=transport, base_url=small_pages.endpoint) as c:
        yield c


@pytest.fixture
async def api(small_pages: LocalHub, token: str) -> AsyncIterator[AsyncHfApi]:
    transport = httpx.ASGITransport(app=small_pages.app)
    async with AsyncHfApi(endpoint=small_pages.endpoint, token=token, transport=transport) as a:
        yield a


async def _paths(client: httpx.AsyncClient, url: str, token: str | None = "hf_alice_write") -> list[str]:
    """Every path of a listing, following Link headers as the official client does."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    paths: list[str] = []
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url, headers=headers)
        response.raise_for_status()
        paths += [e["path"] for e in response.json()]
        next_url = response.links.get("next", {}).get("url")
    return paths


async def _commit(api: AsyncHfApi, repo_id: str, *names: str) -> str:
    info = await api.create_commit(
        repo_id, operations=[CommitOperationAdd(n, n.encode()) for n in names], commit_message=f"add {names}"
    )
    return info.oid


@pytest.mark.anyio
async def test_cached_pages_follow_the_branch(api: AsyncHfApi, client: httpx.AsyncClient) -> None:
    await api.create_repo("alice/moving")
    await _commit(api, "alice/moving", "a.txt", "b.txt", "c.txt")
    url = "/api/models/alice/moving/tree/main?recursive=true"
    first = await _paths(client, url)
    assert first == [".gitattributes", "a.txt", "b.txt", "c.txt"]
    assert await _paths(client, url) == first  # every page from memory now
    await _commit(api, "alice/moving", "d.txt")
    assert await _paths(client, url) == [*first, "d.txt"]
    # the same pages through the facade (Link pagination, typed entries)
    assert [e.path async for e in api.list_repo_tree("alice/moving", recursive=True)] == [*first, "d.txt"]


@pytest.mark.anyio
async def test_cached_pages_keep_access_checks(api: AsyncHfApi, client: httpx.AsyncClient) -> None:
    await api.create_repo("alice/secret", private=True)
    await _commit(api, "alice/secret", "a.txt")
    url = "/api/models/alice/secret/tree/main"
    assert await _paths(client, url) == [".gitattributes", "a.txt"]
    assert await _paths(client, url) == [".gitattributes", "a.txt"]
    for token in ("hf_bob_write", None):
        response = await client.get(url, headers={"authorization": f"Bearer {token}"} if token else {})
        assert response.status_code in (401, 404)
    assert (await client.get(url, headers={"authorization": "Bearer hf_nobody"})).status_code == 401


@pytest.mark.anyio
async def test_commit_sha_revision_is_not_served_after_the_repo_is_recreated(
    api: AsyncHfApi, client: httpx.AsyncClient
) -> None:
    await api.create_repo("alice/again")
    sha = await _commit(api, "alice/again", "old.txt")
    url = f"/api/models/alice/again/tree/{sha}"
    assert await _paths(client, url) == [".gitattributes", "old.txt"]
    assert await _paths(client, url) == [".gitattributes", "old.txt"]  # by sha, from memory
    await api.delete_repo("alice/again")
    time.sleep(0.01)  # a distinct created_at even on a coarse clock
    await api.create_repo("alice/again")
    response = await client.get(url, headers={"authorization": "Bearer hf_alice_write"})
    assert response.status_code == 404 and response.headers.get("x-error-code") == "RevisionNotFound"


@pytest.mark.anyio
async def test_annotated_tags_peel_and_branches_win(
    api: AsyncHfApi, client: httpx.AsyncClient, small_pages: LocalHub
) -> None:
    await api.create_repo("alice/tagged")
    tagged = await _commit(api, "alice/tagged", "v1.txt")
    await _commit(api, "alice/tagged", "v2.txt")
    repo = Repo(str(small_pages.data_dir / "repos" / "models" / "alice" / "tagged.git"))
    try:
        tag = Tag()
        tag.name, tag.object = b"v1", (repo[tagged.encode()].__class__, tagged.encode())
        tag.tagger, tag.tag_time, tag.tag_timezone, tag.message = b"alice <a@x>", 0, 0, b"release"
        repo.object_store.add_object(tag)
        repo.refs[b"refs/tags/v1"] = tag.id
    finally:
        repo.close()
    for _ in range(2):  # from git, then from memory
        assert await _paths(client, "/api/models/alice/tagged/tree/v1") == [".gitattributes", "v1.txt"]
    await api.create_branch("alice/tagged", branch="v1")  # a branch named like the tag, at the head
    assert await _paths(client, "/api/models/alice/tagged/tree/v1") == [".gitattributes", "v1.txt", "v2.txt"]


@pytest.mark.anyio
async def test_unknown_revisions_and_paths_still_fail(api: AsyncHfApi, client: httpx.AsyncClient) -> None:
    await api.create_repo("alice/errors")
    headers = {"authorization": "Bearer hf_alice_write"}
    await _paths(client, "/api/models/alice/errors/tree/main")
    for rev in ("nope", "0" * 40, "..%2F..%2Fetc"):
        response = await client.get(f"/api/models/alice/errors/tree/{rev}", headers=headers)
        assert response.status_code in (400, 404), rev
    response = await client.get("/api/models/alice/errors/tree/main/missing", headers=headers)
    assert response.status_code == 404 and response.headers.get("x-error-code") == "EntryNotFound"


def test_page_cache_is_bounded() -> None:
    cache = PageCache(max_bytes=10)
    cache.put(("r", "s", "", False, 0, 2), (b"123456", True))
    cache.put(("r", "s", "", False, 0, 2), (b"123456", True))  # same key: counted once
    assert cache.get(("r", "s", "", False, 0, 2)) == (b"123456", True)
    cache.put(("r", "s", "", False, 2, 2), (b"78901", False))  # over the bound: starts over
    assert cache.get(("r", "s", "", False, 0, 2)) is None
    assert cache.get(("r", "s", "", False, 2, 2)) == (b"78901", False)
    assert PAGES.max_bytes >= 1 << 20
