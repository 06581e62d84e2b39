"""Repo listings sorted and filtered by the Hub: ``sort``, tag / pipeline-tag filters, ``gated``.

Every order and filter is applied by the local Hub's query, so pages stay full and the cursor
walks a stable order across pages (pages of 5 here), for hubflow and for the official client.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import huggingface_hub
import pytest

from hubflow import HfApi
from hubflow.errors import BadRequestError
from hubflow.server._db import Database
from hubflow.testing import BOB_WRITE, HubProcess, LocalHub

if TYPE_CHECKING:
    from conftest import Counter  # tests/api/conftest.py: the ``counted`` fixture's request counter

pytestmark = pytest.mark.timeout(60)


def _set(local: LocalHub, repo_id: str, **fields: object) -> None:
    """Arrange counters no endpoint sets (downloads) straight in the Hub's database."""
    namespace, name = repo_id.split("/")
    db = Database(local.data_dir / "hub.db")
    row = db.get_repo("model", namespace, name)
    assert row is not None
    db.update_repo(row.id, **fields)


def _card(api: HfApi, repo_id: str, metadata: str) -> None:
    api.upload_file(path_or_fileobj=f"---\n{metadata}\n---\n# card\n".encode(), path_in_repo="README.md",
                    repo_id=repo_id)


def test_sorted_listings_walk_every_page_in_descending_order(counted: tuple[HfApi, Counter], small_pages: LocalHub) -> None:
    hf, counter = counted
    ids = [f"alice/s{i:02d}" for i in range(12)]
    for i, repo_id in enumerate(ids):
        hf.create_repo(repo_id)
        _set(small_pages, repo_id, likes=i % 4, downloads=(i * 7) % 5)
    by_id = {repo_id: i for i, repo_id in enumerate(ids)}

    likes = [m.id for m in hf.list_models(author="alice", sort="likes")]
    # Descending, the newest first among equal counts (12 repos: three full pages of 5, 5, 2).
    assert likes == sorted(ids, key=lambda r: (by_id[r] % 4, by_id[r]), reverse=True)
    assert counter.paths.count("/api/models") == 3
    downloads = [(m.id, m.downloads) for m in hf.list_models(author="alice", sort="downloads")]
    assert [d for _, d in downloads] == sorted((d for _, d in downloads), reverse=True)
    assert sorted(r for r, _ in downloads) == sorted(ids)
    assert [m.id for m in hf.list_models(author="alice", sort="created_at")] == ids[::-1]
    assert [m.id for m in hf.list_models(author="alice", sort="trending_score")] == ids[::-1]

    hf.upload_file(path_or_fileobj=b"new", path_in_repo="new.txt", repo_id="alice/s03")
    assert next(iter(hf.list_models(author="alice", sort="last_modified"))).id == "alice/s03"
    top = list(hf.list_models(author="alice", sort="likes", limit=2))
    assert [m.id for m in top] == ["alice/s11", "alice/s07"]  # likes 3, newest first


def test_likes_from_the_like_endpoint_order_the_listing(counted: tuple[HfApi, Counter], small_pages: LocalHub) -> None:
    hf, _ = counted
    for name in ("one", "two", "none"):
        hf.create_repo(f"alice/{name}")
    with HfApi(endpoint=small_pages.endpoint, token=BOB_WRITE, client=httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small_pages.app))) as bob:  # type: ignore[arg-type]
        bob.like("alice/two")
        bob.like("alice/one")
    hf.like("alice/two")
    assert [(m.id, m.likes) for m in hf.list_models(author="alice", sort="likes")] == [
        ("alice/two", 2), ("alice/one", 1), ("alice/none", 0)
    ]


def test_filters_are_in_the_query_so_pages_stay_full(counted: tuple[HfApi, Counter], small_pages: LocalHub) -> None:
    hf, counter = counted
    tagged = []
    for i in range(14):
        repo_id = f"alice/f{i:02d}"
        hf.create_repo(repo_id)
        if i % 2:
            _set(small_pages, repo_id, tags='["keep", "license:mit"]')
            tagged.append(repo_id)
    counter.paths.clear()
    assert [m.id for m in hf.list_models(author="alice", filter="keep")] == tagged
    assert counter.paths.count("/api/models") == 2  # 7 matches: a full page of 5, then 2 (not 3 sparse pages)
    assert [m.id for m in hf.list_models(filter=["keep", "license:mit"])] == tagged
    assert list(hf.list_models(filter=["keep", "absent"])) == []


def test_pipeline_tag_and_gated_filters(counted: tuple[HfApi, Counter]) -> None:
    hf, _ = counted
    for name in ("clf", "gen", "plain"):
        hf.create_repo(f"alice/{name}")
    _card(hf, "alice/clf", "pipeline_tag: text-classification\nlibrary_name: transformers")
    _card(hf, "alice/gen", "pipeline_tag: text-generation")
    hf.update_repo_settings("alice/gen", gated="manual")

    found = list(hf.list_models(pipeline_tag="text-classification"))
    assert [m.id for m in found] == ["alice/clf"]
    assert {"text-classification", "transformers"} <= set(found[0].tags or [])
    assert [m.id for m in hf.list_models(author="alice", gated=True)] == ["alice/gen"]
    assert [m.id for m in hf.list_models(author="alice", gated=False)] == ["alice/clf", "alice/plain"]


@pytest.mark.anyio
async def test_bad_sort_cursor_and_gated_values_are_named(small_pages: LocalHub) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small_pages.app),  # type: ignore[arg-type]
                                 base_url=small_pages.endpoint) as client:
        for i in range(6):
            response = await client.post("/api/repos/create", json={"name": f"b{i}"},
                                         headers={"authorization": "Bearer hf_alice_write"})
            assert response.status_code == 200, response.text
        bad = await client.get("/api/models", params={"sort": "stars"})
        assert bad.status_code == 400 and "stars" in bad.text and "likes" in bad.text
        spaces = await client.get("/api/spaces", params={"sort": "downloads"})
        assert spaces.status_code == 400 and "downloads" in spaces.text
        assert (await client.get("/api/models", params={"gated": "maybe"})).status_code == 400
        assert (await client.get("/api/models", params={"sort": "likes", "direction": "-1"})).status_code == 200
        # A cursor is only valid for the order that made it.
        first = await client.get("/api/models", params={"sort": "likes"})
        next_url = first.links["next"]["url"]
        assert (await client.get(next_url)).status_code == 200
        cursor = httpx.URL(next_url).params["cursor"]
        mixed = await client.get("/api/models", params={"sort": "createdAt", "cursor": cursor})
        assert mixed.status_code == 400 and "cursor" in mixed.text
        assert (await client.get("/api/models", params={"cursor": "not-base64!"})).status_code == 400


def test_hubflow_rejects_a_bad_sort_with_a_typed_error(counted: tuple[HfApi, Counter]) -> None:
    hf, _ = counted
    with pytest.raises(BadRequestError, match="stars"):
        list(hf.list_models(sort="stars"))


def test_official_client_sees_the_same_order(
    hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path
) -> None:
    prefix = repo_factory("order").split("/")[1]
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    made = []
    for i in range(4):
        made.append(official.create_repo(f"alice/{prefix}-{i}").repo_id)
    with HfApi(endpoint=hub.endpoint, token="hf_alice_write") as ours:
        ours.like(made[1])  # huggingface_hub 2.x has no like(); the Hub serves it
        mine = [m.id for m in ours.list_models(search=prefix, sort="likes")]
    theirs = [m.id for m in official.list_models(search=prefix, sort="likes")]
    assert mine == theirs == [made[1], made[3], made[2], made[0]]
    # Fetching a model's config.json with the official client counts as downloads of that model.
    official.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=made[2])
    official.hf_hub_download(made[2], "config.json", cache_dir=tmp_path / "cache")
    assert official.model_info(made[2]).downloads >= 1
    assert next(m.id for m in official.list_models(search=prefix, sort="downloads")) == made[2]


@pytest.mark.anyio
async def test_requests_for_a_models_config_count_as_downloads(small_pages: LocalHub) -> None:
    headers = {"authorization": "Bearer hf_alice_write"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small_pages.app),  # type: ignore[arg-type]
                                 base_url=small_pages.endpoint) as client:
        for name, repo_type in (("counted", "model"), ("quiet", "model"), ("data", "dataset")):
            response = await client.post("/api/repos/create", json={"name": name, "type": repo_type}, headers=headers)
            assert response.status_code == 200, response.text
        for repo, prefix in (("alice/counted", "/api/models"), ("alice/quiet", "/api/models"),
                             ("alice/data", "/api/datasets")):
            lines = [b'{"key": "header", "value": {"summary": "add", "description": ""}}']
            for path in ("config.json", "weights/config.json", "model.bin"):
                lines.append(b'{"key": "file", "value": {"path": "%s", "content": "e30=", "encoding": "base64"}}'
                             % path.encode())
            response = await client.post(f"{prefix}/{repo}/commit/main", content=b"\n".join(lines),
                                         headers={**headers, "content-type": "application/x-ndjson"})
            assert response.status_code == 200, response.text

        async def downloads(repo: str, prefix: str = "/api/models") -> int:
            return int((await client.get(f"{prefix}/{repo}", headers=headers)).json()["downloads"])

        for method in ("GET", "HEAD", "GET"):
            assert (await client.request(method, "/alice/counted/resolve/main/config.json")).status_code == 200
        # Not a query file: a file of another name, or a config.json below the root.
        for path in ("model.bin", "weights/config.json", "missing.json"):
            await client.get(f"/alice/counted/resolve/main/{path}")
            await client.get(f"/alice/quiet/resolve/main/{path}")
        await client.get("/datasets/alice/data/resolve/main/config.json")  # datasets: not counted this way
        assert await downloads("alice/counted") == 3
        assert await downloads("alice/quiet") == 0
        assert await downloads("alice/data", "/api/datasets") == 0
        ordered = (await client.get("/api/models", params={"author": "alice", "sort": "downloads"})).json()
        assert [m["id"] for m in ordered] == ["alice/counted", "alice/quiet"]
