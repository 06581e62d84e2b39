"""Repo info, tree, refs, history and commit types against huggingface_hub's classes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from huggingface_hub import hf_api

from hubflow import schema

SHA = "3b41fc2bfd4c168cf6c63bb3b14efe73bbabc665"
SHA256 = "a" * 64

SIBLINGS = [
    {"rfilename": "config.json", "size": 519, "blobId": "b" * 40},
    {
        "rfilename": "model.safetensors",
        "size": 5000,
        "blobId": "c" * 40,
        "lfs": {"size": 5000, "sha256": SHA256, "pointerSize": 132},
    },
    {"rfilename": "README.md"},
]
COMMON = {
    "id": "alice/m1",
    "author": "alice",
    "sha": SHA,
    "createdAt": "2023-05-01T10:00:00.000Z",
    "lastModified": "2024-01-01T00:00:00.000Z",
    "private": False,
    "gated": "manual",
    "disabled": False,
    "likes": 3,
    "tags": ["transformers", "license:mit"],
    "trendingScore": 7,
    "usedStorage": 123456,
    "cardData": {"license": "mit", "tags": ["x"]},
    "siblings": SIBLINGS,
    "resourceGroup": {"id": "rg", "name": "g"},
    # keys neither client knows: must be ignored by us
    "someFutureKey": {"nested": [1, 2]},
    "_id": "65a0",
}
MODEL = {
    **COMMON,
    "downloads": 10,
    "downloadsAllTime": 100,
    "library_name": "transformers",
    "pipeline_tag": "fill-mask",
    "mask_token": "[MASK]",
    "gguf": {"total": 1},
    "inference": "warm",
    "inferenceProviderMapping": {
        "prov-a": {"providerId": "x/y", "status": "live", "task": "fill-mask"},
        "prov-b": {
            "providerId": "z",
            "status": "staging",
            "task": "t",
            "adapter": "lora",
            "type": "single-model",
        },
    },
    "widgetData": [{"text": "Hello [MASK]"}],
    "model-index": [{"name": "m1", "results": []}],
    "config": {"architectures": ["BertForMaskedLM"], "model_type": "bert"},
    "transformersInfo": {
        "auto_model": "AutoModelForMaskedLM",
        "pipeline_tag": "fill-mask",
        "processor": "AutoTok",
    },
    "spaces": ["alice/s1"],
    "safetensors": {"parameters": {"F32": 110000000}, "total": 110000000},
    "securityRepoStatus": {"scansDone": True, "filesWithIssues": []},
    "baseModels": ["google/bert"],
    "childrenModelCount": 2,
}
DATASET = {
    **COMMON,
    "id": "alice/d1",
    "downloads": 4,
    "downloadsAllTime": 40,
    "mainSize": 999,
    "paperswithcode_id": "squad",
    "citation": "@article{x}",
    "description": "A dataset",
}
SPACE = {
    **COMMON,
    "id": "alice/s1",
    "host": "https://alice-s1.hf.space",
    "subdomain": "alice-s1",
    "sdk": "gradio",
    "runtime": {
        "stage": "RUNNING",
        "hardware": {"current": "cpu-basic", "requested": "cpu-basic"},
        "storage": None,
        "gcTimeout": 172800,
        "replicas": {"requested": 1, "current": 1},
        "devMode": False,
    },
    "models": ["alice/m1"],
    "datasets": ["alice/d1"],
    "region": "us",
}


def _both(data: dict[str, Any], ours_type: type, theirs_type: Any) -> tuple[Any, Any]:
    return msgspec.json.decode(json.dumps(data), type=ours_type), theirs_type(**json.loads(json.dumps(data)))


def test_model_info_matches_official(compatible: Callable[..., None]) -> None:
    ours, theirs = _both(MODEL, schema.ModelInfo, hf_api.ModelInfo)
    compatible(ours, theirs, extra=["lastModified", "cardData", "transformersInfo"])
    assert ours.inference_provider_mapping[1].adapter == "lora"
    assert ours.siblings[1].lfs["sha256"] == SHA256  # dict-style access kept from huggingface_hub


def test_model_info_provider_mapping_as_list(compatible: Callable[..., None]) -> None:
    data = {
        "id": "a/m",
        "inferenceProviderMapping": [{"provider": "p", "providerId": "q", "status": "error", "task": "t"}],
    }
    ours, theirs = _both(data, schema.ModelInfo, hf_api.ModelInfo)
    compatible(ours, theirs)
    assert ours.inference_provider_mapping[0].hf_model_id == "a/m"


def test_dataset_info_matches_official(compatible: Callable[..., None]) -> None:
    ours, theirs = _both(DATASET, schema.DatasetInfo, hf_api.DatasetInfo)
    compatible(ours, theirs, extra=["lastModified", "cardData"])


def test_space_info_matches_official(compatible: Callable[..., None]) -> None:
    ours, theirs = _both(SPACE, schema.SpaceInfo, hf_api.SpaceInfo)
    # `raw` is rebuilt from the known keys (see SpaceRuntime): compare the keys that were sent
    compatible(ours, theirs, extra=["lastModified", "cardData"], ignore=["raw"])
    assert {k: v for k, v in ours.runtime.raw.items() if k in SPACE["runtime"]} == SPACE["runtime"]
    assert ours.runtime.hardware == "cpu-basic" and ours.runtime.sleep_time == 172800


def test_minimal_repo_info_only_needs_id() -> None:
    info = msgspec.json.decode(b'{"id": "alice/m1"}', type=schema.ModelInfo)
    assert info.sha is None and info.siblings is None and info.inference_provider_mapping is None
    with pytest.raises(msgspec.ValidationError, match="id"):
        msgspec.json.decode(b'{"sha": "x"}', type=schema.ModelInfo)


def test_repo_sibling_matches_official(compatible: Callable[..., None]) -> None:
    for sibling in SIBLINGS:
        ours = msgspec.json.decode(json.dumps(sibling), type=schema.RepoSibling)
        lfs = sibling.get("lfs")
        theirs = hf_api.RepoSibling(
            rfilename=sibling["rfilename"],
            size=sibling.get("size"),
            blob_id=sibling.get("blobId"),
            lfs=hf_api.BlobLfsInfo(size=lfs["size"], sha256=lfs["sha256"], pointer_size=lfs["pointerSize"])
            if lfs
            else None,
        )
        compatible(ours, theirs)


TREE = [
    {
        "type": "directory",
        "path": "sub",
        "oid": "d" * 40,
        "size": 0,
        "lastCommit": {"id": SHA, "title": "Add files", "date": "2024-01-01T00:00:00.000Z"},
    },
    {"type": "file", "path": "config.json", "size": 519, "oid": "e" * 40, "extraKey": 1},
    {
        "type": "file",
        "path": "model.safetensors",
        "size": 1234,
        "oid": "f" * 40,
        "lfs": {"oid": SHA256, "size": 1234, "pointerSize": 132},
        "xetHash": "0" * 64,
        "lastCommit": {"id": SHA, "title": "Upload", "date": "2024-02-03T04:05:06.789Z"},
        "securityFileStatus": {"status": "safe", "avScan": {"virusFound": False}, "pickleImportScan": None},
    },
]


def test_tree_entries_match_official(compatible: Callable[..., None]) -> None:
    entries = msgspec.json.decode(json.dumps(TREE), type=list[schema.RepoTreeEntry])
    assert [type(e) for e in entries] == [schema.RepoFolder, schema.RepoFile, schema.RepoFile]
    for ours, raw in zip(entries, TREE, strict=True):
        raw = dict(raw)
        raw.pop("type")
        theirs = hf_api.RepoFile(**raw) if isinstance(ours, schema.RepoFile) else hf_api.RepoFolder(**raw)
        extra = ["rfilename", "lastCommit"] if isinstance(ours, schema.RepoFile) else []
        compatible(ours, theirs, extra=extra)
    assert entries[2].lfs is not None and entries[2].lfs.sha256 == SHA256
    assert entries[2].security is not None and entries[2].security.safe


def test_git_refs_match_official(compatible: Callable[..., None]) -> None:
    data = {
        "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": SHA}],
        "tags": [{"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": SHA}],
        "converts": [],
        "pullRequests": [{"name": "1", "ref": "refs/pr/1", "targetCommit": SHA}],
    }
    ours = msgspec.json.decode(json.dumps(data), type=schema.GitRefs)

    def ref(item: dict[str, str]) -> hf_api.GitRefInfo:
        return hf_api.GitRefInfo(name=item["name"], ref=item["ref"], target_commit=item["targetCommit"])

    theirs = hf_api.GitRefs(
        branches=[ref(i) for i in data["branches"]],
        converts=[],
        tags=[ref(i) for i in data["tags"]],
        pull_requests=[ref(i) for i in data["pullRequests"]],
    )
    compatible(ours, theirs)
    no_prs = msgspec.json.decode(b'{"branches": [], "tags": [], "converts": []}', type=schema.GitRefs)
    assert no_prs.pull_requests is None


@pytest.mark.parametrize("formatted", [True, False])
def test_git_commit_info_matches_official(compatible: Callable[..., None], formatted: bool) -> None:
    item: dict[str, Any] = {
        "id": SHA,
        "title": "Upload folder",
        "message": "body",
        "date": "2024-01-01T00:00:00.000Z",
        "authors": [{"user": "alice", "avatar": "https://a"}, {"user": "bob"}],
    }
    if formatted:
        item["formatted"] = {"title": "<p>Upload folder</p>", "message": "<p>body</p>"}
    ours = msgspec.json.decode(json.dumps(item), type=schema.GitCommitInfo)
    theirs = hf_api.GitCommitInfo(
        commit_id=item["id"],
        authors=[a["user"] for a in item["authors"]],
        created_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
        title=item["title"],
        message=item["message"],
        formatted_title=item.get("formatted", {}).get("title"),
        formatted_message=item.get("formatted", {}).get("message"),
    )
    compatible(ours, theirs)


@pytest.mark.parametrize(
    ("endpoint", "prefix", "create_pr"),
    [
        ("https://huggingface.co", "https://huggingface.co", False),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/datasets", True),
    ],
)
def test_commit_info_matches_official(
    compatible: Callable[..., None], endpoint: str, prefix: str, create_pr: bool
) -> None:
    body = {
        "commitOid": SHA,
        "commitUrl": f"{prefix}/alice/r1/commit/{SHA}",
        "pullRequestUrl": f"{prefix}/alice/r1/discussions/3",
        "hookOutput": "",
        "success": True,
    }
    resp = msgspec.json.decode(json.dumps(body), type=schema.CommitResponse)
    ours = schema.commit_info_from_response(
        resp, commit_message="Add", commit_description="d", endpoint=endpoint, create_pr=create_pr
    )
    theirs = hf_api.CommitInfo(
        commit_url=body["commitUrl"],
        commit_message="Add",
        commit_description="d",
        oid=SHA,
        pr_url=body["pullRequestUrl"] if create_pr else None,
        _endpoint=endpoint,
    )
    compatible(ours, theirs)
    assert ours == theirs  # both compare equal to the commit URL
    assert str(ours) == str(theirs)
    for name in ("endpoint", "namespace", "repo_name", "repo_id", "repo_type", "url"):
        assert getattr(ours.repo_url, name) == getattr(theirs.repo_url, name), name
    assert ours.pr_num == (3 if create_pr else None)


@pytest.mark.parametrize(
    ("url", "endpoint", "repo_type", "repo_id"),
    [
        ("https://huggingface.co/alice/m1", None, "model", "alice/m1"),
        ("https://huggingface.co/datasets/alice/d1", None, "dataset", "alice/d1"),
        ("http://127.0.0.1:8080/spaces/acme/s1", "http://127.0.0.1:8080", "space", "acme/s1"),
        ("https://huggingface.co/alice/m1", "http://127.0.0.1:8080", "model", "alice/m1"),
    ],
)
def test_repo_url_matches_official(url: str, endpoint: str | None, repo_type: str, repo_id: str) -> None:
    ours = schema.RepoUrl(url, endpoint=endpoint)
    theirs = hf_api.RepoUrl(url, endpoint=endpoint)
    assert ours == theirs and isinstance(ours, str)
    for name in ("endpoint", "namespace", "repo_name", "repo_id", "repo_type", "url"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert (ours.repo_type, ours.repo_id) == (repo_type, repo_id)


def test_repo_url_rejects_unparseable_url() -> None:
    with pytest.raises(ValueError, match="Cannot parse"):
        schema.RepoUrl("https://huggingface.co/")


def test_duplicated_repo_url_keeps_flag() -> None:
    resp = msgspec.json.decode(
        b'{"url": "https://huggingface.co/spaces/a/b", "filesCopyPending": true}',
        type=schema.DuplicateRepoResponse,
    )
    url = schema.DuplicatedRepoUrl(resp.url, files_copy_pending=resp.files_copy_pending)
    assert url.files_copy_pending and url.repo_type == "space" and url.repo_id == "a/b"
