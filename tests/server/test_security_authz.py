"""Authentication and authorization across the local Hub's routes.

* an invalid token is 401 on every route (never downgraded to anonymous);
* a private repo is invisible (404 ``RepoNotFound``) to others on every route that names it, and
  no other route leaks its existence;
* writes need a write token *and* rights on the namespace (the user, or a member of the org).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hubflow.testing import ALICE_READ, ALICE_WRITE, BOB_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
ALICE_RO = {"authorization": f"Bearer {ALICE_READ}"}
BOB = {"authorization": f"Bearer {BOB_WRITE}"}
NDJSON = {"content-type": "application/x-ndjson"}


def ndjson(*lines: tuple[str, dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps({"key": k, "value": v}) for k, v in lines).encode()


def add(path: str, data: bytes = b"x") -> tuple[str, dict[str, Any]]:
    return ("file", {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"})


HEADER = ("header", {"summary": "test"})


@pytest.fixture
async def client(asgi_hub: LocalHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as c:
        for body in ({"name": "pub"}, {"name": "priv", "private": True}, {"name": "orgpriv", "organization": "acme",
                     "private": True}, {"name": "sp", "type": "space", "private": True, "sdk": "gradio"}):
            assert (await c.post("/api/repos/create", json=body, headers=ALICE)).status_code == 200
        r = await c.post("/api/models/alice/priv/commit/main", content=ndjson(HEADER, add("a.txt")),
                         headers={**ALICE, **NDJSON})
        assert r.status_code == 200
        assert (await c.post("/api/models/alice/priv/discussions", json={"title": "Hello", "pullRequest": True},
                             headers=ALICE)).status_code == 200
        assert (await c.post("/api/spaces/alice/sp/secrets", json={"key": "TOKEN", "value": "s3cr3t"},
                             headers=ALICE)).status_code == 200
        yield c


# Every route that names alice/priv (or the private Space), with a body where it needs one.
PRIVATE_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/models/alice/priv", None),
    ("GET", "/api/models/alice/priv/revision/main", None),
    ("GET", "/api/models/alice/priv/tree/main", None),
    ("GET", "/api/models/alice/priv/tree/main/a.txt", None),
    ("POST", "/api/models/alice/priv/paths-info/main", {"paths": ["a.txt"]}),
    ("GET", "/api/models/alice/priv/refs?include_prs=1", None),
    ("GET", "/api/models/alice/priv/commits/main", None),
    ("GET", "/api/models/alice/priv/auth-check", None),
    ("GET", "/api/models/alice/priv/lfs-files", None),
    ("GET", "/alice/priv/resolve/main/a.txt", None),
    ("HEAD", "/alice/priv/resolve/main/a.txt", None),
    ("GET", "/alice/priv/resolve/refs%2Fpr%2F1/a.txt", None),
    ("GET", "/api/models/alice/priv/discussions", None),
    ("GET", "/api/models/alice/priv/discussions/1", None),
    ("POST", "/api/models/alice/priv/discussions", {"title": "Probe", "description": "x"}),
    ("POST", "/api/models/alice/priv/discussions/1/comment", {"comment": "hi"}),
    ("GET", "/api/models/alice/priv/likers", None),
    ("POST", "/api/models/alice/priv/like", None),
    ("POST", "/api/models/alice/priv/duplicate", {"repository": "bob/copy"}),
    ("POST", "/alice/priv/ask-access", {}),
    ("GET", "/api/models/alice/priv/user-access-request/pending", None),
    ("POST", "/alice/priv.git/info/lfs/objects/batch", {"operation": "download", "objects": []}),
    ("POST", "/alice/priv.git/info/lfs/objects/batch", {"operation": "upload", "objects": []}),
    ("GET", "/alice/priv/info/refs?service=git-upload-pack", None),
    ("GET", "/api/models/alice/priv/safetensors-metadata/a.txt", None),
    ("GET", "/api/spaces/alice/sp/runtime", None),
    ("GET", "/api/spaces/alice/sp/secrets", None),
    ("GET", "/api/spaces/alice/sp/variables", None),
    ("GET", "/api/spaces/alice/sp/logs/run", None),
    ("POST", "/api/spaces/alice/sp/secrets", {"key": "X", "value": "y"}),
    ("POST", "/api/spaces/alice/sp/restart", None),
    ("POST", "/api/models/alice/priv/commit/main", None),
    ("POST", "/api/models/alice/priv/preupload/main", {"files": []}),
    ("PUT", "/api/models/alice/priv/settings", {"private": False}),
    ("POST", "/api/models/alice/priv/branch/dev", {}),
    ("POST", "/api/models/alice/priv/super-squash/main", {}),
    ("POST", "/api/models/alice/priv/discussions/1/merge", {}),
    ("GET", "/api/models/acme/orgpriv", None),
]


async def _call(c: httpx.AsyncClient, method: str, url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    if method == "POST" and url.endswith("/commit/main"):
        return await c.post(url, content=ndjson(HEADER, add("b.txt")), headers={**headers, **NDJSON})
    return await c.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(("method", "url", "body"), PRIVATE_ROUTES)
async def test_private_repo_is_invisible_everywhere(
    client: httpx.AsyncClient, method: str, url: str, body: Any
) -> None:
    missing = url.replace("alice/priv", "alice/nothere").replace("alice/sp", "alice/nothere")
    missing = missing.replace("acme/orgpriv", "acme/nothere")
    for headers in (BOB, {}):
        r = await _call(client, method, url, body, headers)
        if headers or r.status_code != 401:  # anonymous: 401 before any lookup is fine too
            assert r.status_code == 404, (headers, r.status_code, r.text)
            assert r.headers.get("x-error-code") == "RepoNotFound"
        # the same answer as for a repo that does not exist: nothing to tell them apart
        r2 = await _call(client, method, missing, body, headers)
        assert (r2.status_code, r2.headers.get("x-error-code")) == (r.status_code, r.headers.get("x-error-code"))
    r = await _call(client, method, url, body, ALICE)  # the owner still gets through
    assert r.status_code != 404 or r.headers.get("x-error-code") != "RepoNotFound"


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/api/models/alice/pub"), ("GET", "/api/models"), ("GET", "/api/whoami-v2"),
    ("GET", "/alice/pub/resolve/main/.gitattributes"), ("GET", "/alice/pub/info/refs?service=git-upload-pack"),
    ("POST", "/alice/pub/git-upload-pack"), ("POST", "/alice/pub.git/info/lfs/objects/batch"),
    ("GET", "/api/collections"), ("GET", "/api/users/alice/overview"), ("GET", "/api/settings/webhooks"),
    ("GET", "/api/jobs/alice"), ("GET", "/v2/endpoint/alice"), ("GET", "/api/spaces/semantic-search?q=x"),
    ("GET", "/api/daily_papers"), ("POST", "/api/repos/create"), ("GET", "/api/models/alice/pub/discussions"),
])
async def test_invalid_token_is_401_everywhere(client: httpx.AsyncClient, method: str, url: str) -> None:
    basic = base64.b64encode(b"git:hf_wrong").decode()
    for header in ("Bearer hf_wrong", f"Basic {basic}", "Token hf_alice_write", "Bearer ", "Bearer"):
        r = await client.request(method, url, headers={"authorization": header})
        assert r.status_code == 401, (header, r.status_code)


async def test_collection_item_filter_does_not_leak_private_repos(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/collections", json={"title": "Mine", "namespace": "alice"}, headers=ALICE)
    slug = r.json()["slug"]
    for item in ({"id": "alice/priv", "type": "model"}, {"id": "alice/pub", "type": "model"}):
        assert (await client.post(f"/api/collections/{slug}/items", json={"item": item},
                                  headers=ALICE)).status_code == 200
    for headers in (BOB, {}):
        got = (await client.get(f"/api/collections/{slug}", headers=headers)).json()
        assert [i["id"] for i in got["items"]] == ["alice/pub"]
        r = await client.get("/api/collections?item=models/alice/priv", headers=headers)
        assert r.status_code == 200 and r.json() == []
        r = await client.get("/api/collections?item=models/alice/pub", headers=headers)
        assert [c["slug"] for c in r.json()] == [slug]
    r = await client.get("/api/collections?item=models/alice/priv", headers=ALICE)
    assert [c["slug"] for c in r.json()] == [slug]
    # adding someone's private repo to your own collection is a 404, like reading it
    r = await client.post("/api/collections", json={"title": "Bobs", "namespace": "bob"}, headers=BOB)
    r = await client.post(f"/api/collections/{r.json()['slug']}/items",
                          json={"item": {"id": "alice/priv", "type": "model"}}, headers=BOB)
    assert r.status_code == 404


async def test_no_existence_leak_through_people_and_likes(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/models/alice/priv/like", headers=ALICE)).status_code == 200
    for headers in (BOB, {}):
        likes = (await client.get("/api/users/alice/likes", headers=headers)).json()
        assert all(item["repo"]["name"] != "alice/priv" for item in likes)
        overview = (await client.get("/api/users/alice/overview", headers=headers)).json()
        assert overview["numModels"] == 1  # pub only
        models = (await client.get("/api/models?author=alice&search=priv", headers=headers)).json()
        assert models == []
        orgs = (await client.get("/api/models?author=acme", headers=headers)).json()
        assert orgs == []


# -- write rights ------------------------------------------------------------------------------------------
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/api/models/alice/pub/commit/main", None),
    ("PUT", "/api/models/alice/pub/settings", {"private": True}),
    ("POST", "/api/models/alice/pub/branch/dev", {}),
    ("DELETE", "/api/models/alice/pub/branch/main", None),
    ("POST", "/api/models/alice/pub/tag/main", {"tag": "v1"}),
    ("POST", "/api/models/alice/pub/super-squash/main", {}),
    ("POST", "/api/models/alice/pub/lfs-files/batch", {"deletions": {"sha": []}}),
    ("POST", "/api/models/alice/pub/preupload/main", {"files": []}),
    ("POST", "/alice/pub.git/info/lfs/objects/batch", {"operation": "upload", "objects": []}),
    ("GET", "/api/models/alice/pub/user-access-request/pending", None),
    ("POST", "/api/models/alice/pub/user-access-request/grant", {"user": "bob"}),
    ("GET", "/api/models/alice/pub/auth-check/write", None),
    ("DELETE", "/api/repos/delete", {"name": "alice/pub"}),
    ("POST", "/api/repos/move", {"fromRepo": "alice/pub", "toRepo": "bob/pub"}),
    ("POST", "/api/repos/create", {"name": "x", "organization": "alice"}),
    ("POST", "/api/repos/create", {"name": "acme/x"}),
    ("POST", "/api/models/alice/pub/duplicate", {"repository": "acme/copy"}),
    ("POST", "/api/collections", {"title": "Theirs", "namespace": "acme"}),
    ("POST", "/api/jobs/alice", {"command": ["true"], "dockerImage": "x"}),
    ("POST", "/v2/endpoint/acme", {}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
async def test_writes_need_rights_on_the_namespace(
    client: httpx.AsyncClient, method: str, url: str, body: Any
) -> None:
    before = (await client.get("/api/models/alice/pub/refs", headers=ALICE)).json()
    r = await _call(client, method, url, body, BOB)
    assert r.status_code == 403, r.text
    r = await _call(client, method, url, body, {})
    assert r.status_code in (401, 403)
    if "acme" not in url and "acme" not in json.dumps(body):  # alice's read token
        r = await _call(client, method, url, body, ALICE_RO)
        assert r.status_code == 403, r.text
    assert (await client.get("/api/models/alice/pub/refs", headers=ALICE)).json() == before
    assert (await client.get("/api/models/alice/pub", headers=BOB)).status_code == 200


async def test_move_into_someone_elses_namespace_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/repos/move", json={"fromRepo": "alice/pub", "toRepo": "bob/stolen"}, headers=ALICE)
    assert r.status_code == 403
    r = await client.post("/api/repos/move", json={"fromRepo": "alice/pub", "toRepo": "acme/pub"}, headers=ALICE)
    assert r.status_code == 200  # alice is a member of acme
    assert (await client.get("/api/models/acme/pub")).status_code == 200


async def test_discussion_moderation_rights(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/models/alice/pub/discussions", json={"title": "Alice's", "description": "hi"},
                          headers=ALICE)
    num = r.json()["num"]
    comment_id = (await client.get(f"/api/models/alice/pub/discussions/{num}")).json()["events"][0]["id"]
    assert (await client.post(f"/api/models/alice/pub/discussions/{num}/status", json={"status": "closed"},
                              headers=BOB)).status_code == 403
    assert (await client.post(f"/api/models/alice/pub/discussions/{num}/title", json={"title": "Bob's now"},
                              headers=BOB)).status_code == 403
    assert (await client.post(f"/api/models/alice/pub/discussions/{num}/comment/{comment_id}/edit",
                              json={"content": "edited"}, headers=BOB)).status_code == 403
    assert (await client.post(f"/api/models/alice/pub/discussions/{num}/comment/{comment_id}/hide",
                              headers=BOB)).status_code == 403
    r = await client.post("/api/models/alice/pub/discussions", json={"title": "Bob PR", "pullRequest": True},
                          headers=BOB)
    assert (await client.post(f"/api/models/alice/pub/discussions/{r.json()['num']}/merge",
                              headers=BOB)).status_code == 403
    # numbers that do not fit are a 404, not a crash
    r = await client.get(f"/api/models/alice/pub/discussions/{'9' * 5000}")
    assert r.status_code == 404
    r = await client.post(f"/api/models/alice/pub/discussions/{'9' * 30}/comment", json={"comment": "x"},
                          headers=BOB)
    assert r.status_code == 404


async def test_space_secrets_are_write_only_and_owner_only(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/spaces/alice/sp/secrets", headers=ALICE)
    assert r.status_code == 200 and "s3cr3t" not in r.text and "TOKEN" in r.json()
    r = await client.get("/api/spaces/alice/sp/secrets", headers=ALICE_RO)
    assert "s3cr3t" not in r.text
    assert (await client.put("/api/spaces/alice/sp/settings", json={"private": False},
                             headers=ALICE)).status_code == 200
    for method, url in (("GET", "/api/spaces/alice/sp/secrets"), ("GET", "/api/spaces/alice/sp/variables"),
                        ("POST", "/api/spaces/alice/sp/secrets"), ("DELETE", "/api/spaces/alice/sp/secrets")):
        r = await client.request(method, url, json={"key": "TOKEN", "value": "evil"}, headers=BOB)
        assert r.status_code == 403
    assert "s3cr3t" not in (await client.get("/api/spaces/alice/sp", headers=BOB)).text
    r = await client.post("/api/spaces/alice/sp/duplicate", json={"repository": "bob/sp"}, headers=BOB)
    assert r.status_code == 200
    assert (await client.get("/api/spaces/bob/sp/secrets", headers=BOB)).json() == {}


async def test_webhooks_belong_to_their_owner(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/settings/webhooks", headers=ALICE, json={
        "watched": [{"type": "user", "name": "alice"}], "url": "http://127.0.0.1:9/h", "secret": "shh"})
    hook = r.json()["webhook"]["id"]
    assert (await client.get("/api/settings/webhooks", headers=BOB)).json() == []
    for method, suffix in (("GET", ""), ("POST", ""), ("DELETE", ""), ("POST", "/disable"), ("POST", "/enable")):
        r = await client.request(method, f"/api/settings/webhooks/{hook}{suffix}", json={"url": "http://127.0.0.1/x"},
                                 headers=BOB)
        assert r.status_code == 404 and "shh" not in r.text
    r = await client.post(f"/api/settings/webhooks/{hook}/disable", headers=ALICE_RO)
    assert r.status_code == 403
    assert (await client.get("/api/settings/webhooks")).status_code == 401


async def test_gated_repo_content_routes(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("w.txt", b"weights")),
                          headers={**ALICE, **NDJSON})
    assert (await client.put("/api/models/alice/pub/settings", json={"gated": "manual"},
                             headers=ALICE)).status_code == 200
    for headers, status in ((BOB, 403), ({}, 401)):
        for method, url, body in (
            ("GET", "/alice/pub/resolve/main/w.txt", None), ("HEAD", "/alice/pub/resolve/main/w.txt", None),
            ("GET", "/alice/pub/info/refs?service=git-upload-pack", None),
            ("POST", "/alice/pub.git/info/lfs/objects/batch", {"operation": "download", "objects": []}),
            ("GET", "/api/models/alice/pub/auth-check", None),
        ):
            r = await client.request(method, url, json=body, headers=headers)
            assert r.status_code == status and r.headers.get("x-error-code") == "GatedRepo", (url, r.status_code)
    r = await client.post("/api/models/alice/pub/duplicate", json={"repository": "bob/ungated"}, headers=BOB)
    assert r.status_code == 403
    assert (await client.get("/api/models/bob/ungated", headers=BOB)).status_code == 404
