"""LFS batch / preupload wire shapes and the Inference Endpoint object."""

from __future__ import annotations

import json
from collections.abc import Callable

import msgspec
from huggingface_hub import _inference_endpoints

from hubflow import schema

SHA256 = "a" * 64


def test_lfs_batch_request_wire_shape() -> None:
    req = schema.LfsBatchRequest(
        operation="upload", objects=[schema.LfsObject(oid=SHA256, size=5000)], ref=schema.LfsRef(name="main")
    )
    assert json.loads(msgspec.json.encode(req)) == {
        "operation": "upload",
        "transfers": ["basic", "multipart"],
        "objects": [{"oid": SHA256, "size": 5000}],
        "hash_algo": "sha256",
        "ref": {"name": "main"},
    }
    for_pr = schema.LfsBatchRequest(operation="upload", objects=[])
    assert "ref" not in json.loads(msgspec.json.encode(for_pr))


def test_lfs_batch_response_variants() -> None:
    body = {
        "transfer": "basic",
        "objects": [
            {"oid": "1" * 64, "size": 5000},
            {
                "oid": "2" * 64,
                "size": 5000,
                "actions": {
                    "upload": {"href": "https://storage/put"},
                    "verify": {"href": "http://h/a/m.git/info/lfs/objects/verify", "header": {"x": "y"}},
                },
            },
            {
                "oid": "3" * 64,
                "size": 4097,
                "actions": {
                    "upload": {
                        "href": "http://h/complete",
                        "header": {"chunk_size": "2048", "00001": "u1", "00002": "u2", "00003": "u3"},
                    }
                },
            },
            {"oid": "4" * 64, "size": 1, "error": {"code": 422, "message": "bad"}},
        ],
    }
    resp = msgspec.json.decode(json.dumps(body), type=schema.LfsBatchResponse)
    done, basic, multi, failed = resp.objects
    assert done.actions is None and done.error is None
    assert basic.actions is not None and basic.actions.verify is not None
    assert basic.actions.verify.href.endswith("/verify")
    assert multi.actions is not None and multi.actions.upload is not None
    assert multi.actions.upload.header is not None and multi.actions.upload.header["chunk_size"] == "2048"
    assert failed.error == schema.LfsObjectError(code=422, message="bad")
    complete = schema.LfsCompleteRequest(
        oid=multi.oid, parts=[schema.LfsCompletePart(part_number=1, etag='"e1"')]
    )
    assert json.loads(msgspec.json.encode(complete)) == {
        "oid": multi.oid,
        "parts": [{"partNumber": 1, "etag": '"e1"'}],
    }


def test_preupload_request_and_response() -> None:
    req = schema.PreuploadRequest(files=[schema.PreuploadFile(path="w.bin", sample="AAA=", size=5000)])
    assert json.loads(msgspec.json.encode(req)) == {
        "files": [{"path": "w.bin", "sample": "AAA=", "size": 5000}]
    }
    with_ignore = schema.PreuploadRequest(files=[], git_ignore="*.log\n")
    assert json.loads(msgspec.json.encode(with_ignore))["gitIgnore"] == "*.log\n"
    resp = msgspec.json.decode(
        b'{"files": [{"path": "w.bin", "uploadMode": "lfs", "shouldIgnore": false, "oid": "x"},'
        b' {"path": "a.txt", "uploadMode": "regular", "shouldIgnore": true}], "commitOid": "z"}',
        type=schema.PreuploadResponse,
    )
    assert [(f.path, f.upload_mode, f.should_ignore, f.oid) for f in resp.files] == [
        ("w.bin", "lfs", False, "x"),
        ("a.txt", "regular", True, None),
    ]


ENDPOINT = {
    "name": "my-endpoint",
    "type": "authenticated",
    "healthRoute": "/health",
    "provider": {"vendor": "aws", "region": "us-east-1"},
    "compute": {
        "accelerator": "cpu",
        "instanceType": "intel-icl",
        "instanceSize": "x2",
        "scaling": {"minReplica": 0, "maxReplica": 1, "scaleToZeroTimeout": 15},
    },
    "model": {
        "repository": "gpt2",
        "revision": "abc",
        "task": "text-generation",
        "framework": "pytorch",
        "image": {"huggingface": {}},
    },
    "status": {
        "state": "running",
        "message": "Endpoint is ready",
        "url": "https://xxxx.endpoints.huggingface.cloud",
        "createdAt": "2025-01-02T03:04:05.000Z",
        "createdBy": {"id": "1", "name": "alice"},
        "updatedAt": "2025-01-02T03:05:05.000Z",
        "updatedBy": {"id": "1", "name": "alice"},
        "readyReplica": 1,
        "targetReplica": 1,
    },
    "somethingNew": True,
}


def test_inference_endpoint_matches_official(compatible: Callable[..., None]) -> None:
    ours = msgspec.structs.replace(
        msgspec.json.decode(json.dumps(ENDPOINT), type=schema.InferenceEndpoint), namespace="alice"
    )
    theirs = _inference_endpoints.InferenceEndpoint.from_raw(
        json.loads(json.dumps(ENDPOINT)), namespace="alice", token=False
    )
    compatible(ours, theirs, ignore=["raw"])
    assert ours.status == schema.InferenceEndpointStatus.RUNNING
    assert ours.raw["model"]["repository"] == "gpt2" and ours.raw["healthRoute"] == "/health"
