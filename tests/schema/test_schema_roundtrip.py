"""Journal round-trips, the public namespace, and listing decode speed."""

from __future__ import annotations

import json
import time
from typing import Any

import msgspec
import pytest
import test_schema_areas as areas
import test_schema_repos as repos

from hubflow import schema

CASES: list[tuple[Any, Any]] = [
    (schema.ModelInfo, repos.MODEL),
    (schema.DatasetInfo, repos.DATASET),
    (schema.SpaceInfo, repos.SPACE),
    (list[schema.RepoTreeEntry], repos.TREE),
    (
        schema.DiscussionWithDetails,
        {
            "num": 1,
            "title": "t",
            "status": "open",
            "isPullRequest": True,
            "createdAt": "2025-01-02T03:04:05Z",
            "repo": {"name": "a/m", "type": "model"},
            "events": areas.EVENTS,
            "changes": {"base": "refs/heads/main"},
        },
    ),
    (schema.Collection, areas.COLLECTION),
    (schema.JobInfo, areas.JOB),
    (schema.User, areas.USER),
    (schema.PaperInfo, areas.DAILY),
    (
        schema.LFSFileInfo,
        {"fileOid": "a", "filename": "f", "oid": "b", "pushedAt": "2025-01-02T03:04:05Z", "size": 1},
    ),
    (
        schema.GitCommitInfo,
        {
            "id": "c",
            "title": "t",
            "message": "",
            "date": "2024-01-01T00:00:00Z",
            "authors": [{"user": "alice"}],
            "formatted": {"title": "<p>t</p>"},
        },
    ),
]


@pytest.mark.parametrize(("tp", "data"), CASES, ids=lambda v: getattr(v, "__name__", None) or str(v)[:20])
@pytest.mark.parametrize("codec", [msgspec.json, msgspec.msgpack])
def test_journal_round_trip(tp: Any, data: Any, codec: Any) -> None:
    value = msgspec.json.decode(json.dumps(data), type=tp)
    again = codec.decode(codec.encode(value), type=tp)
    assert again == value
    # derived attributes survive too (they are computed from stored fields)
    if isinstance(value, schema.DiscussionWithDetails):
        assert [type(e) for e in again.events] == [type(e) for e in value.events]
    if isinstance(value, schema.ModelInfo):
        assert again.inference_provider_mapping == value.inference_provider_mapping


def test_commit_info_and_repo_url_round_trip() -> None:
    info = schema.CommitInfo(
        commit_url="http://127.0.0.1:8080/datasets/a/d/commit/ab",
        commit_message="m",
        oid="ab",
        pr_url="http://127.0.0.1:8080/datasets/a/d/discussions/2",
        endpoint="http://127.0.0.1:8080",
    )
    again = msgspec.msgpack.decode(msgspec.msgpack.encode(info), type=schema.CommitInfo)
    assert again == info and again.pr_num == 2 and again.repo_url.repo_type == "dataset"
    url = schema.RepoUrl("http://127.0.0.1:8080/spaces/a/s", endpoint="http://127.0.0.1:8080")
    blob = msgspec.json.encode({"url": url}, enc_hook=schema.enc_hook)
    back = msgspec.json.decode(blob, type=dict[str, schema.RepoUrl], dec_hook=schema.dec_hook)["url"]
    assert isinstance(back, schema.RepoUrl) and back == url and back.repo_id == "a/s"
    assert back.endpoint == "http://127.0.0.1:8080"


def test_unknown_fields_are_ignored_everywhere() -> None:
    extra = {"brandNewKey": [1, {"x": None}], "another": "y"}
    for tp, data in CASES:
        if isinstance(data, dict):
            assert msgspec.json.decode(json.dumps({**data, **extra}), type=tp) == msgspec.json.decode(
                json.dumps(data), type=tp
            )


def test_all_lists_the_public_names_sorted() -> None:
    public = {n for n in dir(schema) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if isinstance(getattr(schema, n), type(schema))}
    assert set(schema.__all__) == public - modules
    assert schema.__all__ == sorted(schema.__all__)


def test_listing_of_ten_thousand_models_decodes_fast() -> None:
    item = {
        "_id": "65a0",
        "id": "alice/model-{}",
        "likes": 3,
        "downloads": 1000,
        "trendingScore": 2,
        "private": False,
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "tags": ["transformers", "safetensors", "llama", "text-generation", "license:mit", "region:us"],
        "createdAt": "2024-01-01T00:00:00.000Z",
        "modelId": "alice/model",
    }
    body = json.dumps([{**item, "id": f"alice/model-{i}"} for i in range(10_000)]).encode()
    msgspec.json.decode(body, type=list[schema.ModelInfo])  # warm up type resolution
    start = time.perf_counter()
    models = msgspec.json.decode(body, type=list[schema.ModelInfo])
    elapsed = time.perf_counter() - start
    assert len(models) == 10_000 and models[-1].id == "alice/model-9999"
    assert elapsed < 0.5, f"decoding 10,000 models took {elapsed:.3f}s"
