"""Facade: tag lists, sharded safetensors metadata, search_spaces, ZeroGPU quota, resolve_revision,
run_as_future, whoami(cache=) — each compared with the official client on the same local Hub."""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub as hh
import pytest

from hubflow import (
    EntryNotFoundError,
    HfApi,
    HfHubHTTPError,
    RepositoryNotFoundError,
    ResolvedRevision,
    RetryPolicy,
    RevisionResolutionError,
    Settings,
)
from hubflow.testing import HubProcess


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


@pytest.fixture
def official(hub: HubProcess, token: str) -> hh.HfApi:
    return hh.HfApi(endpoint=hub.endpoint, token=token)


def _safetensors(tensors: dict[str, list[int]], metadata: dict[str, str] | None = None) -> bytes:
    header: dict[str, object] = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, shape in tensors.items():
        size = 4 * shape[0] * (shape[1] if len(shape) > 1 else 1)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * offset


def test_tags_equal_official(api: HfApi, official: hh.HfApi) -> None:
    models, datasets = api.get_model_tags(), api.get_dataset_tags()
    assert models == official.get_model_tags() and datasets == official.get_dataset_tags()
    pipeline = {tag["id"]: tag for tag in models["pipeline_tag"]}
    assert pipeline["text-classification"] == {
        "id": "text-classification", "label": "Text Classification", "type": "pipeline_tag", "subType": "nlp",
    }
    assert all(tag["id"].startswith("task_categories:") for tag in datasets["task_categories"])


def test_sharded_safetensors_metadata(api: HfApi, official: hh.HfApi, repo_factory, tmp_path: Path) -> None:
    repo_id = repo_factory("sharded")
    api.create_repo(repo_id)
    shards = {
        "model-00001-of-00002.safetensors": _safetensors({"a": [4, 2], "b": [3]}),
        "model-00002-of-00002.safetensors": _safetensors({"c": [8, 8]}, {"format": "pt"}),
    }
    index = {"metadata": {"total_size": 300}, "weight_map": {"a": "model-00001-of-00002.safetensors",
             "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
    for name, data in shards.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    api.upload_folder(repo_id=repo_id, folder_path=tmp_path)

    ours = api.get_sharded_safetensors_metadata(repo_id)
    assert ours.sharded and ours.metadata == {"total_size": 300}
    assert ours.weight_map == index["weight_map"]
    assert ours.files_metadata["model-00002-of-00002.safetensors"].tensors["c"].shape == [8, 8]
    assert ours.files_metadata["model-00002-of-00002.safetensors"].metadata == {"format": "pt"}
    # same answer as the per-shard Range reads, and as the official client through the same route
    slow = api.get_safetensors_metadata(repo_id)
    assert ours.weight_map == slow.weight_map and ours.parameter_count == slow.parameter_count == {"F32": 75}
    theirs = official.get_sharded_safetensors_metadata(repo_id)
    assert theirs.weight_map == ours.weight_map and theirs.parameter_count == ours.parameter_count
    with pytest.raises(EntryNotFoundError):
        api.get_sharded_safetensors_metadata(repo_id, filename="other.index.json")
    with pytest.raises(RepositoryNotFoundError):
        api.get_sharded_safetensors_metadata("alice/does-not-exist-xyz")


def test_search_spaces(api: HfApi, official: hh.HfApi, repo_factory) -> None:
    marker = f"zq{int(time.time() * 1000) % 10**8}"
    running = repo_factory(f"{marker}-demo")
    idle = repo_factory(f"{marker}-idle")
    api.create_repo(running, repo_type="space", space_sdk="gradio")
    api.upload_file(path_or_fileobj=b"print('hi')\n", path_in_repo="app.py", repo_id=running, repo_type="space")
    api.create_repo(idle, repo_type="space", space_sdk="static")  # no index.html yet: not running

    hits = api.search_spaces(marker)
    assert [hit.id for hit in hits] == [running]
    assert hits[0].sdk == "gradio" and hits[0].runtime is not None and hits[0].semantic_relevancy_score == 1.0
    assert [h.id for h in official.search_spaces(marker)] == [running]
    both = {hit.id for hit in api.search_spaces(marker, include_non_running=True)}
    assert both == {running, idle}
    assert [h.id for h in api.search_spaces(marker, sdk="static", include_non_running=True)] == [idle]
    assert api.search_spaces(f"{marker}-nothing-matches-this") == []


def test_zero_gpu_quota(api: HfApi, official: hh.HfApi, hub: HubProcess) -> None:
    quota = api.get_zero_gpu_quota()
    assert (quota.base, quota.remaining, quota.resets_at) == (0, 0, None)
    theirs = official.get_zero_gpu_quota()
    assert (theirs.base, theirs.remaining) == (quota.base, quota.remaining)
    with HfApi(endpoint=hub.endpoint, token=False) as anonymous, pytest.raises(HfHubHTTPError) as err:
        anonymous.get_zero_gpu_quota()
    assert not isinstance(err.value, RepositoryNotFoundError) and err.value.status_code == 401


def test_resolve_revision(api: HfApi, hub: HubProcess, token: str, repo_factory, tmp_path: Path) -> None:
    repo_id = repo_factory("resolve")
    api.create_repo(repo_id)
    first = api.upload_file(path_or_fileobj=b"v1", path_in_repo="f.txt", repo_id=repo_id)
    api.create_tag(repo_id, tag="v1")
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="f.txt", repo_id=repo_id)
    cache = tmp_path / "cache"

    rev = api.resolve_revision(repo_id, revision="v1", cache_dir=cache)
    assert isinstance(rev, ResolvedRevision) and rev == "v1" and rev.resolved == first.oid
    main = api.resolve_revision(repo_id, cache_dir=cache)
    assert main == "main" and main.initial is None and main.resolved == api.model_info(repo_id).sha
    folder = cache / f"models--{repo_id.replace('/', '--')}" / "refs"
    assert (folder / "v1").read_text() == first.oid
    # pinned downloads, and pass-through for a commit or an already-resolved revision of this repo
    assert Path(api.hf_hub_download(repo_id, "f.txt", revision=rev.resolved, cache_dir=cache)).read_bytes() == b"v1"
    assert api.resolve_revision(repo_id, revision=rev) is rev
    assert api.resolve_revision(repo_id, revision=first.oid).resolved == first.oid
    # official client agrees
    official = hh.HfApi(endpoint=hub.endpoint, token=token).resolve_revision(repo_id, revision="v1", cache_dir=cache)
    assert official.resolved == rev.resolved

    # offline: the cached ref answers; nothing cached -> RevisionResolutionError
    assert api.resolve_revision(repo_id, revision="v1", cache_dir=cache, local_files_only=True).resolved == first.oid
    with pytest.raises(RevisionResolutionError):
        api.resolve_revision(repo_id, revision="nope", cache_dir=cache, local_files_only=True)
    no_retry = Settings.from_env(endpoint="http://127.0.0.1:9", token=token, retry=RetryPolicy(max_retries=0))
    with HfApi(settings=no_retry) as unreachable:  # nothing listens on port 9
        assert unreachable.resolve_revision(repo_id, revision="v1", cache_dir=cache).resolved == first.oid
    with pytest.raises(hh.errors.RevisionNotFoundError):
        hh.HfApi(endpoint=hub.endpoint, token=token).resolve_revision(repo_id, revision="nope", cache_dir=cache)


def test_run_as_future_is_fifo_and_keeps_errors(api: HfApi) -> None:
    order: list[int] = []
    gate = threading.Event()

    def step(i: int) -> int:
        gate.wait(5)
        order.append(i)
        return i * 10

    def fail() -> None:
        raise RuntimeError("boom")

    futures = [api.run_as_future(step, i) for i in range(3)]
    failing = api.run_as_future(fail)
    after = api.run_as_future(api.whoami)
    gate.set()
    assert [f.result(timeout=10) for f in futures] == [0, 10, 20] and order == [0, 1, 2]
    with pytest.raises(RuntimeError, match="boom"):
        failing.result(timeout=10)
    assert after.result(timeout=10)["name"] == "alice"  # the worker went on after the failure


def test_whoami_cache(api: HfApi) -> None:
    first = api.whoami(cache=True)
    assert api.whoami(cache=True) is first
    assert api.whoami() is not first and api.whoami()["name"] == "alice"
