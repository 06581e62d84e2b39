"""Discussions and pull requests: create, list, details, comment, status, merge; ``refs/pr/N`` in git.

A pull request is a discussion with ``isPullRequest``; its branch is the git ref ``refs/pr/N``,
created at the base branch head. Merging fast-forwards when it can, otherwise makes a merge
commit from a path-level three-way merge (409 on conflicting paths).

```python
# POST /api/models/alice/m/discussions {"title": "Fix", "description": "…", "pullRequest": true} → {"num": 1}
# POST /api/models/alice/m/discussions/1/merge
```
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from dulwich.graph import find_merge_base
from dulwich.index import commit_tree
from dulwich.object_store import iter_tree_contents
from dulwich.objects import ObjectID
from starlette.responses import Response

from hubflow.server._db import RepoRow, iso
from hubflow.server._errors import HubError, bad_request
from hubflow.server._gitstore import GitRepo
from hubflow.server._hub import Hub
from hubflow.server._router import Ctx, Router, json_response

router = Router()


def _event(type_: str, author: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": secrets.token_hex(12), "type": type_, "createdAt": iso(time.time()), "author": {"name": author},
            "data": data}


def _comment(author: str, text: str) -> dict[str, Any]:
    return _event("comment", author, {"edited": False, "hidden": False, "latest": {
        "raw": text, "html": text, "updatedAt": iso(time.time()), "author": {"name": author}}, "history": []})


def _add_event(hub: Hub, row: RepoRow, num: int, event: dict[str, Any], **fields: Any) -> None:
    with hub.db.tx() as c:
        found = c.execute("SELECT events FROM discussions WHERE repo_id = ? AND num = ?", (row.id, num)).fetchone()
        if found is None:
            return
        events = [*json.loads(found["events"]), event]
        sets = ", ".join(["events = ?", *(f"{k} = ?" for k in fields)])
        c.execute(f"UPDATE discussions SET {sets} WHERE repo_id = ? AND num = ?",
                  (json.dumps(events), *fields.values(), row.id, num))


def _create(hub: Hub, row: RepoRow, author: str, title: str, description: str, *, pr: bool, status: str,
            base_ref: str | None) -> int:
    with hub.db.tx() as c:
        num = int(c.execute("SELECT coalesce(max(num), 0) + 1 FROM discussions WHERE repo_id = ?", (row.id,))
                  .fetchone()[0])
        events = [_comment(author, description)] if description else []
        c.execute(
            "INSERT INTO discussions (repo_id, num, title, author, status, is_pr, base_ref, created_at, events)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, num, title, author, status, int(pr), base_ref, time.time(), json.dumps(events)),
        )
    return num


def open_pull_request(hub: Hub, row: RepoRow, author: str, title: str, base_ref: str, base_sha: str) -> int:
    """Record a new PR (status ``open``) and create ``refs/pr/N`` at ``base_sha``; returns N."""
    num = _create(hub, row, author, title or "Pull request", "", pr=True, status="open", base_ref=base_ref)
    git = hub.open_git(row)
    try:
        git.set_ref(f"refs/pr/{num}", base_sha)
    finally:
        git.close()
    return num


def record_commit(hub: Hub, row: RepoRow, num: int, author: str, sha: str, message: str) -> None:
    _add_event(hub, row, num, _event("commit", author, {"oid": sha, "subject": message.split("\n", 1)[0]}))


def _get(hub: Hub, row: RepoRow, num: int) -> Any:
    found = hub.db.query("SELECT * FROM discussions WHERE repo_id = ? AND num = ?", row.id, num)
    if not found:
        raise HubError(404, f"Discussion #{num} not found")
    return found[0]


def _summary(d: Any, row: RepoRow) -> dict[str, Any]:
    return {
        "num": d["num"], "title": d["title"], "status": d["status"], "isPullRequest": bool(d["is_pr"]),
        "createdAt": iso(d["created_at"]), "author": {"name": d["author"], "type": "user"},
        "repo": {"name": row.repo_id, "type": row.type}, "pinned": False, "numComments": 0,
        "topReactions": [], "numReactionUsers": 0,
    }


@router.route("POST", "/api/{T}/{R}/discussions")
def create_discussion(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    if ctx.user is None or not ctx.user.can_write:
        raise HubError(401 if ctx.user is None else 403, "A write token is required to open a discussion")
    body = ctx.json()
    title = str(body.get("title") or "").strip()
    if not 3 <= len(title) <= 200:
        raise bad_request("The title must be 3 to 200 characters")
    pr = bool(body.get("pullRequest"))
    num = _create(ctx.hub, row, ctx.user.name, title, str(body.get("description") or ""), pr=pr,
                  status="draft" if pr else "open", base_ref="refs/heads/main" if pr else None)
    if pr:
        git = ctx.hub.open_git(row)
        try:
            head = git.resolve("main")
            assert head is not None
            git.set_ref(f"refs/pr/{num}", head)
        finally:
            git.close()
    url = f"{ctx.base_url}/{'' if row.type == 'model' else row.type + 's/'}{row.repo_id}/discussions/{num}"
    return json_response({"num": num, "pullRequest": pr, "url": url,
                          "references": {"base": "refs/heads/main"} if pr else {}})


@router.route("GET", "/api/{T}/{R}/discussions")
def list_discussions(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    rows = ctx.hub.db.query("SELECT * FROM discussions WHERE repo_id = ? ORDER BY num DESC", row.id)
    kind, status, author = ctx.query("type", "all"), ctx.query("status", "all"), ctx.query("author")
    items = [
        _summary(d, row) for d in rows
        if (kind == "all" or (kind == "pull_request") == bool(d["is_pr"]))
        and (status == "all" or (d["status"] == status) or (status == "open" and d["status"] == "draft"))
        and (not author or d["author"] == author)
    ]
    closed = sum(1 for d in rows if d["status"] in ("closed", "merged"))
    return json_response({"count": len(items), "start": 0, "numClosedDiscussions": closed, "discussions": items})


@router.route("GET", "/api/{T}/{R}/discussions/{num}")
def details(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    d = _get(ctx.hub, row, int(ctx.params["num"]))
    data = _summary(d, row)
    data.update(locked=False, events=json.loads(d["events"]))
    if d["is_pr"]:
        changes: dict[str, Any] = {"base": d["base_ref"]}
        if d["merge_commit"]:
            changes["mergeCommitId"] = d["merge_commit"]
        data.update(changes=changes, filesWithConflicts=[], diff="")
    return json_response(data)


@router.route("POST", "/api/{T}/{R}/discussions/{num}/comment")
def comment(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    if ctx.user is None or not ctx.user.can_write:
        raise HubError(401 if ctx.user is None else 403, "A write token is required to comment")
    num = int(ctx.params["num"])
    _get(ctx.hub, row, num)
    event = _comment(ctx.user.name, str(ctx.json().get("comment") or ""))
    _add_event(ctx.hub, row, num, event)
    return json_response({"newMessage": event})


@router.route("POST", "/api/{T}/{R}/discussions/{num}/status")
def change_status(ctx: Ctx) -> Response:
    row = ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    assert ctx.user is not None
    num = int(ctx.params["num"])
    _get(ctx.hub, row, num)
    status = ctx.json().get("status")
    if status not in ("open", "closed"):
        raise bad_request("status must be 'open' or 'closed'")
    event = _event("status-change", ctx.user.name, {"status": status})
    _add_event(ctx.hub, row, num, event, status=status)
    return json_response({"newStatus": event})


def _merge(git: GitRepo, base_ref: str, pr_ref: str, message: str, author: str) -> str:
    head, pr_head = git.resolve(base_ref), git.resolve(pr_ref)
    assert head is not None and pr_head is not None
    bases = find_merge_base(git.repo, [ObjectID(head.encode()), ObjectID(pr_head.encode())])
    merge_base = bases[0].decode() if bases else None
    if merge_base == pr_head:
        return head  # nothing to merge
    store = git.repo.object_store

    def flat(sha: str | None) -> dict[bytes, tuple[bytes, int]]:
        if sha is None:
            return {}
        return {e.path: (e.sha, e.mode) for e in iter_tree_contents(store, git.commit_obj(sha).tree)}

    if merge_base == head:  # fast-forward
        merged = pr_head
    else:
        base_files, ours, theirs = flat(merge_base), flat(head), flat(pr_head)
        result = dict(ours)
        conflicts = []
        for path in set(base_files) | set(theirs):
            b, t = base_files.get(path), theirs.get(path)
            if b == t:
                continue
            o = ours.get(path)
            if o != b and o != t:
                conflicts.append(path.decode())
            elif t is None:
                result.pop(path, None)
            else:
                result[path] = t
        if conflicts:
            raise HubError(409, f"Merge conflicts in: {', '.join(sorted(conflicts))}")
        tree = commit_tree(store, [(p, ObjectID(sha), mode) for p, (sha, mode) in sorted(result.items())])
        objects: list[Any] = []
        commit = git.make_commit(tree, [head, pr_head], message, author, objects)
        git.write_objects(objects)
        merged = commit.id.decode()
    if not git.set_ref(base_ref, merged, old=head):
        raise HubError(412, "The target branch moved during the merge; please retry")
    return merged


@router.route("POST", "/api/{T}/{R}/discussions/{num}/merge")
def merge(ctx: Ctx) -> Response:
    row = ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    assert ctx.user is not None
    num = int(ctx.params["num"])
    d = _get(ctx.hub, row, num)
    if not d["is_pr"] or d["status"] not in ("open", "draft"):
        raise bad_request(f"#{num} is not an open pull request")
    git = ctx.hub.open_git(row)
    try:
        sha = _merge(git, d["base_ref"], f"refs/pr/{num}", f"Merge pull request #{num}: {d['title']}\n", ctx.user.name)
    finally:
        git.close()
    _add_event(ctx.hub, row, num, _event("status-change", ctx.user.name, {"status": "merged"}),
               status="merged", merge_commit=sha)
    fields: dict[str, Any] = {"last_modified": time.time()}
    if d["base_ref"] == "refs/heads/main":
        fields["sha"] = sha
    ctx.hub.db.update_repo(row.id, **fields)
    return json_response({})
