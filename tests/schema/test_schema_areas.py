"""Users, discussions, collections, Spaces, jobs, webhooks, access requests, LFS files, papers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from huggingface_hub import _jobs_api, _space_api, community, hf_api

from hubflow import schema

E = "http://127.0.0.1:8080"
SHA = "3b41fc2bfd4c168cf6c63bb3b14efe73bbabc665"


def _decode(data: Any, tp: Any) -> Any:
    return msgspec.json.decode(json.dumps(data), type=tp)


ORG = {
    "avatarUrl": "https://a/acme.png",
    "name": "acme",
    "fullname": "Acme",
    "details": "we build",
    "isVerified": True,
    "isFollowing": False,
    "numUsers": 3,
    "numModels": 4,
    "numSpaces": 1,
    "numDatasets": 2,
    "numFollowers": 9,
    "numPapers": 0,
    "plan": "team",
    "unknownOrgKey": 1,
}
USER = {
    "user": "alice",
    "fullname": "Alice A.",
    "avatarUrl": "https://a/alice.png",
    "details": "hi",
    "isFollowing": True,
    "isPro": False,
    "numModels": 1,
    "numDatasets": 2,
    "numSpaces": 3,
    "numDiscussions": 4,
    "numPapers": 5,
    "numUpvotes": 6,
    "numLikes": 7,
    "numFollowing": 8,
    "numFollowers": 9,
    "type": "user",
    "orgs": [ORG],
}


def test_user_and_organization_match_official(compatible: Callable[..., None]) -> None:
    compatible(_decode(ORG, schema.Organization), hf_api.Organization(**dict(ORG)))
    compatible(_decode(USER, schema.User), hf_api.User(**json.loads(json.dumps(USER))), extra=["user_type"])
    empty = _decode({}, schema.User)
    compatible(empty, hf_api.User())


def test_whoami_reads_nested_token_role() -> None:
    body = {
        "type": "user",
        "id": "1",
        "name": "alice",
        "fullname": "Alice A.",
        "email": "alice@example.com",
        "emailVerified": True,
        "isPro": False,
        "canPay": False,
        "avatarUrl": "https://a",
        "periodEnd": None,
        "billingMode": "prepaid",
        "orgs": [{"type": "org", "id": "2", "name": "acme", "fullname": "Acme", "email": None}],
        "auth": {
            "type": "access_token",
            "accessToken": {"displayName": "tok", "role": "write", "createdAt": "2024-01-01T00:00:00.000Z"},
        },
    }
    me = _decode(body, schema.WhoAmI)
    assert me.auth is not None and me.auth.access_token is not None
    assert (me.name, me.auth.access_token.role, [o.name for o in me.orgs]) == ("alice", "write", ["acme"])
    assert me["name"] == "alice" and me.to_dict()["auth"]["accessToken"]["displayName"] == "tok"


COMMENT = {
    "id": "e1",
    "type": "comment",
    "createdAt": "2025-01-02T03:04:05.000Z",
    "author": {"name": "alice", "_id": "x"},
    "data": {
        "edited": True,
        "hidden": False,
        "latest": {
            "raw": "Hello",
            "html": "<p>Hello</p>",
            "updatedAt": "2025-01-02T04:00:00.000Z",
            "author": {"name": "alice"},
        },
        "history": [{"raw": "Hi"}, {"raw": "Hello"}],
        "numEdits": 1,
    },
}
EVENTS = [
    COMMENT,
    {
        "id": "e2",
        "type": "commit",
        "createdAt": "2025-01-02T03:05:00.000Z",
        "data": {"oid": SHA, "subject": "Add"},
    },
    {
        "id": "e3",
        "type": "title-change",
        "createdAt": "2025-01-02T03:06:00.000Z",
        "author": {"name": "bob"},
        "data": {"from": "Old", "to": "New"},
    },
    {
        "id": "e4",
        "type": "status-change",
        "createdAt": "2025-01-02T03:07:00.000Z",
        "author": {"name": "bob"},
        "data": {"status": "merged"},
    },
    {"id": "e5", "type": "pinning-change", "createdAt": "2025-01-02T03:08:00.000Z", "data": {"pinned": True}},
]


@pytest.mark.parametrize("is_pr", [True, False])
def test_discussion_with_details_matches_official(compatible: Callable[..., None], is_pr: bool) -> None:
    body: dict[str, Any] = {
        "num": 2,
        "title": "Add weights",
        "status": "merged" if is_pr else "open",
        "isPullRequest": is_pr,
        "createdAt": "2025-01-02T03:04:05.000Z",
        "author": {"name": "alice"},
        "repo": {"name": "alice/d", "type": "dataset"},
        "locked": False,
        "pinned": False,
        "events": EVENTS,
        "diffUrl": "x",
    }
    if is_pr:
        body.update(
            changes={"base": "refs/heads/main", "mergeCommitId": SHA},
            filesWithConflicts=[],
            diff="diff --git",
        )
    ours = msgspec.structs.replace(_decode(body, schema.DiscussionWithDetails), endpoint=E)
    theirs = community.DiscussionWithDetails(
        title=body["title"],
        num=body["num"],
        author="alice",
        created_at=hf_api.parse_datetime(body["createdAt"]),
        status=body["status"],
        repo_id="alice/d",
        repo_type="dataset",
        is_pull_request=is_pr,
        events=[community.deserialize_event(e) for e in json.loads(json.dumps(EVENTS))],
        conflicting_files=[] if is_pr else None,
        target_branch="refs/heads/main" if is_pr else None,
        merge_commit_oid=SHA if is_pr else None,
        diff=body.get("diff"),
        endpoint=E,
    )
    compatible(ours, theirs, extra=["url", "git_reference"])
    kinds = [type(e).__name__ for e in ours.events]
    assert kinds == [type(e).__name__ for e in theirs.events]
    comment = ours.events[0]
    for name in ("rendered", "last_edited_at", "last_edited_by", "edit_history", "number_of_edits"):
        assert getattr(comment, name) == getattr(theirs.events[0], name), name
    assert ours.events[1].author == "deleted"


def test_discussion_page_lists_discussions() -> None:
    page = _decode(
        {
            "count": 3,
            "start": 0,
            "numClosedDiscussions": 1,
            "discussions": [
                {
                    "num": 1,
                    "title": "t",
                    "status": "open",
                    "isPullRequest": False,
                    "createdAt": "2025-01-02T03:04:05.000Z",
                    "repo": {"name": "alice/m", "type": "model"},
                    "numComments": 4,
                }
            ],
        },
        schema.DiscussionPage,
    )
    d = page.discussions[0]
    assert (d.author, d.git_reference, d.url) == (
        "deleted",
        None,
        "https://huggingface.co/alice/m/discussions/1",
    )


COLLECTION = {
    "slug": "alice/my-coll-64f9a55bb3115b4f513ec026",
    "title": "My coll",
    "description": "d",
    "owner": {"name": "alice", "type": "user", "_id": "x"},
    "lastUpdated": "2025-01-02T03:04:05.000Z",
    "position": 2,
    "private": False,
    "theme": "green",
    "upvotes": 5,
    "isUpvotedByUser": False,
    "gating": False,
    "shareUrl": "s",
    "items": [
        {
            "_id": "65a",
            "type": "model",
            "id": "alice/m",
            "position": 0,
            "note": {"text": "plain", "html": "<p>plain</p>"},
            "downloads": 3,
        },
        {"_id": "65b", "type": "collection", "id": "65c", "slug": "bob/other-65c", "position": 1},
        {"_id": "65d", "type": "paper", "id": "2401.00001", "position": 2, "note": None},
    ],
}


def test_collection_matches_official(compatible: Callable[..., None]) -> None:
    ours = msgspec.structs.replace(_decode(COLLECTION, schema.Collection), endpoint=E)
    theirs = hf_api.Collection(**json.loads(json.dumps(COLLECTION)), endpoint=E)
    compatible(ours, theirs, extra=["url"])
    assert [i.item_id for i in ours.items] == ["alice/m", "bob/other-65c", "2401.00001"]
    odd_note = _decode(
        {"_id": "1", "type": "model", "id": "a/m", "position": 0, "note": "x"}, schema.CollectionItem
    )
    assert odd_note.note is None


def test_space_runtime_matches_official(compatible: Callable[..., None]) -> None:
    body = {
        "stage": "BUILDING",
        "hardware": {"current": None, "requested": "cpu-basic"},
        "storage": None,
        "gcTimeout": 172800,
        "replicas": {"requested": 1},
        "devMode": False,
        "domains": [{"domain": "x.hf.space", "stage": "READY"}],
        "hotReloading": {"status": "created", "replicaStatuses": [["r1", "ok"]]},
        "volumes": [{"type": "bucket", "source": "alice/b", "mountPath": "/data", "readOnly": True}],
    }
    ours = _decode(body, schema.SpaceRuntime)
    theirs = _space_api.SpaceRuntime(json.loads(json.dumps(body)))
    compatible(ours, theirs, ignore=["raw"])
    assert ours.stage == schema.SpaceStage.BUILDING
    assert ours.volumes is not None and ours.volumes[0].to_dict() == theirs.volumes[0].to_dict()


def test_space_variables_and_secrets_match_official(compatible: Callable[..., None]) -> None:
    variables = {
        "A": {"value": "1", "description": "d", "updatedAt": "2025-01-02T03:04:05.000Z"},
        "B": {"value": ""},
    }
    ours = schema.space_variables_from_json(json.dumps(variables))
    for key, raw in variables.items():
        compatible(ours[key], _space_api.SpaceVariable(key, raw))
    secrets = {"TOKEN": {"description": "d", "updatedAt": "2025-01-02T03:04:05.000Z"}, "OTHER": {}}
    ours_s = schema.space_secrets_from_json(json.dumps(secrets))
    for key, raw in secrets.items():
        compatible(ours_s[key], _space_api.SpaceSecret(key, raw))


JOB = {
    "id": "65f0aa",
    "createdAt": "2025-01-02T03:04:05.000Z",
    "startedAt": "2025-01-02T03:04:08.000Z",
    "finishedAt": None,
    "dockerImage": "python:3.12",
    "spaceId": None,
    "command": ["python", "-c", "print(1)"],
    "arguments": [],
    "environment": {"A": "1"},
    "secrets": {"S": "***"},
    "flavor": "cpu-basic",
    "labels": {"name": "python-3-12-3212e188"},
    "volumes": [{"type": "bucket", "source": "alice/b", "mountPath": "/data"}],
    "status": {"stage": "RUNNING", "message": None, "exposeUrls": ["https://x"], "sshUrl": "ssh://y"},
    "durations": {"schedulingSecs": 3, "runningSecs": 40, "totalSecs": 43},
    "owner": {"id": "1", "name": "alice", "type": "user"},
    "initiator": {"type": "user", "id": "1", "name": "alice"},
    "network": {"group": "g", "aliases": ["a"]},
    "retry": 0,
    "expose": {"ports": [8000, 8080], "portsPublic": [8080]},
    "type": "job",
}


def test_job_info_matches_official(compatible: Callable[..., None]) -> None:
    ours = msgspec.structs.replace(_decode(JOB, schema.JobInfo), endpoint=E)
    theirs = _jobs_api.JobInfo(**json.loads(json.dumps(JOB)), endpoint=E)
    compatible(ours, theirs)
    assert ours.status.stage == schema.JobStage.RUNNING
    with pytest.raises(msgspec.ValidationError, match="owner"):
        _decode({"id": "x", "status": {"stage": "RUNNING"}}, schema.JobInfo)


def test_scheduled_job_info_matches_official(compatible: Callable[..., None]) -> None:
    body = {
        "id": "sj1",
        "createdAt": "2025-01-02T03:04:05.000Z",
        "jobSpec": {
            "dockerImage": "python:3.12",
            "command": ["echo"],
            "arguments": [],
            "environment": {},
            "flavor": "cpu-basic",
            "timeout": 60,
            "labels": {"name": "x"},
            "expose": {"ports": [1]},
        },
        "schedule": "@hourly",
        "suspend": False,
        "concurrency": False,
        "status": {
            "lastJob": {"id": "j9", "at": "2025-01-02T04:00:00.000Z"},
            "nextJobRunAt": "2025-01-02T05:00:00Z",
        },
        "owner": {"id": "1", "name": "alice", "type": "user"},
    }
    ours = _decode(body, schema.ScheduledJobInfo)
    theirs = _jobs_api.ScheduledJobInfo(**json.loads(json.dumps(body)))
    compatible(ours, theirs)


def test_webhook_info_matches_official(compatible: Callable[..., None]) -> None:
    body = {
        "webhook": {
            "id": "654bbbc16f2ec14d77f109cc",
            "watched": [{"type": "user", "name": "alice"}, {"type": "org", "name": "acme"}],
            "url": "https://example.com/h",
            "secret": "s",
            "domains": ["repo", "discussion"],
            "disabled": False,
            "job": {"dockerImage": "python:3.12", "command": ["echo"]},
        }
    }
    ours = _decode(body, schema.WebhookResponse).webhook
    data = body["webhook"]
    theirs = hf_api.WebhookInfo(
        id=data["id"],
        url=data.get("url"),
        job=_jobs_api.JobSpec(**data["job"]),
        watched=[hf_api.WebhookWatchedItem(type=i["type"], name=i["name"]) for i in data["watched"]],
        domains=data["domains"],
        secret=data.get("secret"),
        disabled=data["disabled"],
    )
    compatible(ours, theirs)


def test_access_request_matches_official(compatible: Callable[..., None]) -> None:
    item = {
        "user": {"user": "bob", "fullname": "Bob", "email": "bob@example.com", "_id": "x", "isPro": False},
        "requestId": "65a0",
        "status": "pending",
        "timestamp": "2025-01-02T03:04:05.000Z",
        "fields": {"Country": "FR"},
        "reviewedAt": None,
    }
    ours = _decode(item, schema.AccessRequest)
    theirs = hf_api.AccessRequest(
        username="bob",
        request_id="65a0",
        fullname="Bob",
        email="bob@example.com",
        status="pending",
        timestamp=hf_api.parse_datetime(item["timestamp"]),
        fields={"Country": "FR"},
    )
    compatible(ours, theirs)
    hidden = _decode(
        {"requestId": "1", "status": "accepted", "timestamp": item["timestamp"]}, schema.AccessRequest
    )
    assert hidden.username is None and hidden.email is None


def test_lfs_file_info_matches_official(compatible: Callable[..., None]) -> None:
    item = {
        "fileOid": "a" * 64,
        "filename": "checkpoints/model.bin",
        "oid": "b" * 64,
        "pushedAt": "2025-01-02T03:04:05.000Z",
        "ref": "refs/heads/main",
        "size": 1048576,
    }
    compatible(_decode(item, schema.LFSFileInfo), hf_api.LFSFileInfo(**dict(item)))
    no_ref = {k: v for k, v in item.items() if k != "ref"}
    compatible(_decode(no_ref, schema.LFSFileInfo), hf_api.LFSFileInfo(**dict(no_ref)))


AUTHOR = {"name": "Ada", "user": {"user": "ada", "fullname": "Ada L."}, "status": "claimed", "hidden": False}
PAPER = {
    "id": "2401.00001",
    "title": "A paper",
    "summary": "Abstract",
    "authors": [AUTHOR, {"name": "Bob"}],
    "publishedAt": "2024-01-01T00:00:00.000Z",
    "upvotes": 5,
    "discussionId": "d1",
    "ai_summary": "short",
    "ai_keywords": ["x"],
    "githubRepo": "https://github.com/x/y",
    "githubStars": 3,
    "projectPage": "https://p",
    "organization": {"name": "acme", "fullname": "Acme"},
    "linkedModels": [{"id": "alice/m1"}],
    "linkedDatasets": [],
    "linkedSpaces": [{"id": "alice/s1", "sdk": "gradio"}],
    "numTotalModels": 1,
    "numTotalDatasets": 0,
}
DAILY = {
    "paper": {k: PAPER[k] for k in ("id", "summary", "authors", "publishedAt", "upvotes", "discussionId")},
    "title": "A paper",
    "publishedAt": "2024-01-02T00:00:00.000Z",
    "submittedBy": {"user": "carol", "fullname": "Carol"},
    "numComments": 2,
    "source": "arxiv",
    "thumbnail": "t",
}


@pytest.mark.parametrize("body", [PAPER, DAILY], ids=["paper", "daily"])
def test_paper_info_matches_official(compatible: Callable[..., None], body: dict[str, Any]) -> None:
    ours = _decode(body, schema.PaperInfo)
    theirs = hf_api.PaperInfo(**json.loads(json.dumps(body)))
    compatible(ours, theirs)


def test_safetensors_metadata_matches_official(compatible: Callable[..., None]) -> None:
    from huggingface_hub.utils import _safetensors as st

    header = {
        "__metadata__": {"format": "pt"},
        "w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 12]},
        "b": {"dtype": "F32", "shape": [3], "data_offsets": [12, 24]},
        "s": {"dtype": "F32", "shape": [], "data_offsets": [24, 28]},
    }
    ours = schema.parse_safetensors_header(json.dumps(header).encode())
    theirs = st.SafetensorsFileMetadata(
        metadata=header["__metadata__"],
        tensors={
            k: st.TensorInfo(dtype=v["dtype"], shape=v["shape"], data_offsets=tuple(v["data_offsets"]))
            for k, v in header.items()
            if k != "__metadata__"
        },
    )
    compatible(ours, theirs)
    assert ours.parameter_count == {"F16": 6, "F32": 4}
    repo = schema.SafetensorsRepoMetadata(
        metadata=None,
        sharded=False,
        weight_map={k: "model.safetensors" for k in ours.tensors},
        files_metadata={"model.safetensors": ours},
    )
    theirs_repo = st.SafetensorsRepoMetadata(
        metadata=None, sharded=False, weight_map=repo.weight_map, files_metadata={"model.safetensors": theirs}
    )
    compatible(repo, theirs_repo)
