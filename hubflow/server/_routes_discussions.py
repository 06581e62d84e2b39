"""Discussions beyond create/merge: paged listing, details with diff, comments, titles, status, edit, hide.

Registered before ``_routes_prs`` (first match wins), whose create and merge routes and event
helpers it builds on. Events live in the ``discussions.events`` JSON column, in the Hub's wire
form, so the official client's ``deserialize_event`` reads them unchanged.

Who may do what: any write token comments and opens discussions on a readable repo; the
discussion's author or a repo owner (user, or member of the owning org) renames it and changes
its status; a comment's author edits it; a repo owner or the comment's author hides it; only
repo owners merge.

```python
# GET  /api/models/alice/m/discussions?type=pull_request&status=open&p=0 → {"count", "start", "discussions"}
# POST /api/models/alice/m/discussions/3/title {"title": "Better"}      → {"newTitle": {...}}
```
"""

from __future__ import annotations

import difflib
import json
import time
from typing import Any

from dulwich.graph import find_merge_base
from dulwich.object_store import iter_tree_contents
from dulwich.objects import ObjectID
from starlette.responses import Response

from hubflow.server import _routes_prs as prs
from hubflow.server._db import RepoRow, User, iso
from hubflow.server._errors import HubError, bad_request, forbidden
from hubflow.server._gitstore import GitRepo
from hubflow.server._router import Ctx, Router, json_response

router = Router()

DISCUSSIONS_PAGE_SIZE = 50
_HIDDEN = "This comment has been hidden"
_MAX_DIFF_BLOB = 256 * 1024  # larger (or binary) blobs get a "Binary files differ" line


def _repo(ctx: Ctx) -> RepoRow:
    return ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])


def _writer(ctx: Ctx) -> User:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to perform this action")
    if not ctx.user.can_write:
        raise forbidden("This is a read-only token; a write token is required")
    return ctx.user


def _owner_or(ctx: Ctx, row: RepoRow, user: User, author: str, action: str) -> None:
    if user.name != author and not ctx.hub.owns(user, row.namespace):
        raise forbidden(f"You don't have the rights to {action} on {row.repo_id}")


def _events(d: Any) -> list[dict[str, Any]]:
    return list(json.loads(d["events"]))


def _save_events(ctx: Ctx, row: RepoRow, num: int, events: list[dict[str, Any]]) -> None:
    with ctx.hub.db.tx() as c:
        c.execute("UPDATE discussions SET events = ? WHERE repo_id = ? AND num = ?", (json.dumps(events), row.id, num))


def _summary(d: Any, row: RepoRow) -> dict[str, Any]:
    data: dict[str, Any] = prs._summary(d, row)
    data["numComments"] = sum(1 for e in _events(d) if e["type"] == "comment")
    return data


# -- listing and details -------------------------------------------------------------------------------------
@router.route("GET", "/api/{T}/{R}/discussions")
def list_discussions(ctx: Ctx) -> Response:
    row = _repo(ctx)
    kind, status, author = ctx.query("type", "all"), ctx.query("status", "all"), ctx.query("author")
    if kind not in ("all", "discussion", "pull_request"):
        raise bad_request("type must be one of all, discussion, pull_request")
    if status not in ("all", "open", "closed"):
        raise bad_request("status must be one of all, open, closed")
    page_arg = ctx.query("p", "0") or "0"
    if not page_arg.isdigit():
        raise bad_request("p must be a non-negative integer")
    rows = ctx.hub.db.query("SELECT * FROM discussions WHERE repo_id = ? ORDER BY num DESC", row.id)
    wanted_status = {"all": None, "open": ("open", "draft"), "closed": ("closed", "merged")}[status]
    matching = [
        d for d in rows
        if (kind == "all" or (kind == "pull_request") == bool(d["is_pr"]))
        and (wanted_status is None or d["status"] in wanted_status)
        and (not author or d["author"] == author)
    ]
    size = min(DISCUSSIONS_PAGE_SIZE, ctx.hub.limits.page_size)
    start = int(page_arg) * size
    closed = sum(1 for d in rows if d["status"] in ("closed", "merged"))
    return json_response({
        "count": len(matching), "start": start, "numClosedDiscussions": closed,
        "discussions": [_summary(d, row) for d in matching[start : start + size]],
    })


def _flat(git: GitRepo, sha: str | None) -> dict[bytes, tuple[bytes, int]]:
    if sha is None:
        return {}
    store = git.repo.object_store
    return {e.path: (e.sha, e.mode) for e in iter_tree_contents(store, git.commit_obj(sha).tree)}


def _text(git: GitRepo, entry: tuple[bytes, int] | None) -> list[str] | None:
    if entry is None:
        return []
    data = git.read_blob(entry[0].decode())
    if len(data) > _MAX_DIFF_BLOB or b"\0" in data:
        return None
    try:
        return data.decode().splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def pr_diff(git: GitRepo, base_ref: str, pr_ref: str) -> tuple[str, list[str]]:
    """(git-style diff of the PR against the merge base, paths changed on both sides differently)."""
    head, pr_head = git.resolve(base_ref), git.resolve(pr_ref)
    if head is None or pr_head is None:
        return "", []
    bases = find_merge_base(git.repo, [ObjectID(head.encode()), ObjectID(pr_head.encode())])
    base = bases[0].decode() if bases else None
    base_files, ours, theirs = _flat(git, base), _flat(git, head), _flat(git, pr_head)
    parts: list[str] = []
    conflicts: list[str] = []
    for path in sorted(set(base_files) | set(theirs)):
        before, after = base_files.get(path), theirs.get(path)
        if before == after:
            continue
        name = path.decode()
        if ours.get(path) not in (before, after):
            conflicts.append(name)
        parts.append(f"diff --git a/{name} b/{name}\n")
        if before is None:
            parts.append(f"new file mode {after[1]:o}\n" if after else "")
        elif after is None:
            parts.append(f"deleted file mode {before[1]:o}\n")
        old, new = _text(git, before), _text(git, after)
        if old is None or new is None:
            parts.append(f"Binary files a/{name} and b/{name} differ\n")
            continue
        src = f"a/{name}" if before else "/dev/null"
        dst = f"b/{name}" if after else "/dev/null"
        parts.extend(line if line.endswith("\n") else line + "\n" for line in difflib.unified_diff(old, new, src, dst))
    return "".join(parts), conflicts


@router.route("GET", "/api/{T}/{R}/discussions/{num}")
def details(ctx: Ctx) -> Response:
    row = _repo(ctx)
    d = prs._get(ctx.hub, row, int(ctx.params["num"]))
    data = _summary(d, row)
    data.update(locked=False, events=_events(d))
    if d["is_pr"]:
        changes: dict[str, Any] = {"base": d["base_ref"]}
        if d["merge_commit"]:
            changes["mergeCommitId"] = d["merge_commit"]
        diff, conflicts = "", list[str]()
        if d["status"] in ("open", "draft"):
            git = ctx.hub.open_git(row)
            try:
                diff, conflicts = pr_diff(git, d["base_ref"], f"refs/pr/{d['num']}")
            finally:
                git.close()
        data.update(changes=changes, filesWithConflicts=conflicts)
        if ctx.flag("diff"):
            data["diff"] = diff
    return json_response(data)


# -- changes -------------------------------------------------------------------------------------------------
@router.route("POST", "/api/{T}/{R}/discussions/{num}/comment")
def comment(ctx: Ctx) -> Response:
    row, user = _repo(ctx), _writer(ctx)
    num = int(ctx.params["num"])
    prs._get(ctx.hub, row, num)
    text = str(ctx.json().get("comment") or "").strip()
    if not text:
        raise bad_request("The comment must not be empty")
    event = prs._comment(user.name, text)
    prs._add_event(ctx.hub, row, num, event)
    return json_response({"newMessage": event})


@router.route("POST", "/api/{T}/{R}/discussions/{num}/title")
def rename(ctx: Ctx) -> Response:
    row, user = _repo(ctx), _writer(ctx)
    num = int(ctx.params["num"])
    d = prs._get(ctx.hub, row, num)
    _owner_or(ctx, row, user, d["author"], "rename this discussion")
    title = str(ctx.json().get("title") or "").strip()
    if not 3 <= len(title) <= 200:
        raise bad_request("The title must be 3 to 200 characters")
    event = prs._event("title-change", user.name, {"from": d["title"], "to": title})
    prs._add_event(ctx.hub, row, num, event, title=title)
    return json_response({"newTitle": event})


@router.route("POST", "/api/{T}/{R}/discussions/{num}/status")
def change_status(ctx: Ctx) -> Response:
    row, user = _repo(ctx), _writer(ctx)
    num = int(ctx.params["num"])
    d = prs._get(ctx.hub, row, num)
    _owner_or(ctx, row, user, d["author"], "change the status of this discussion")
    body = ctx.json()
    status = body.get("status")
    if status not in ("open", "closed"):
        raise bad_request("status must be 'open' or 'closed'")
    if d["status"] == "merged":
        raise bad_request(f"#{num} is merged; its status cannot change")
    text = str(body.get("comment") or "").strip()
    if text:
        prs._add_event(ctx.hub, row, num, prs._comment(user.name, text))
    event = prs._event("status-change", user.name, {"status": status})
    prs._add_event(ctx.hub, row, num, event, status=status)
    return json_response({"newStatus": event})


@router.route("POST", "/api/{T}/{R}/discussions/{num}/merge")
def merge(ctx: Ctx) -> Response:
    # The merge itself (rights, conflicts, refs) is _routes_prs's; an optional comment is posted first.
    text = str(ctx.json().get("comment") or "").strip()
    response = prs.merge(ctx)
    assert isinstance(response, Response)  # a sync handler
    if text:
        assert ctx.user is not None
        row = _repo(ctx)
        prs._add_event(ctx.hub, row, int(ctx.params["num"]), prs._comment(ctx.user.name, text))
    return response


def _find_comment(events: list[dict[str, Any]], comment_id: str) -> dict[str, Any]:
    for event in events:
        if event["type"] == "comment" and event["id"].lower() == comment_id.lower():
            return event
    raise HubError(404, f"Comment {comment_id} not found")


@router.route("POST", "/api/{T}/{R}/discussions/{num}/comment/{rev}/edit")
def edit_comment(ctx: Ctx) -> Response:
    row, user = _repo(ctx), _writer(ctx)
    num = int(ctx.params["num"])
    d = prs._get(ctx.hub, row, num)
    content = str(ctx.json().get("content") or "").strip()
    if not content:
        raise bad_request("The new content must not be empty")
    events = _events(d)
    event = _find_comment(events, ctx.params["rev"])
    if event["author"]["name"] != user.name:
        raise forbidden("Only the author of a comment can edit it")
    if event["data"]["hidden"]:
        raise forbidden("A hidden comment cannot be edited")
    data = event["data"]
    data["history"] = [data["latest"], *data["history"]]
    data["latest"] = {"raw": content, "html": content, "updatedAt": iso(time.time()), "author": {"name": user.name}}
    data["edited"] = True
    data["numEdits"] = len(data["history"])
    _save_events(ctx, row, num, events)
    return json_response({"updatedComment": event})


@router.route("POST", "/api/{T}/{R}/discussions/{num}/comment/{rev}/hide")
def hide_comment(ctx: Ctx) -> Response:
    row, user = _repo(ctx), _writer(ctx)
    num = int(ctx.params["num"])
    d = prs._get(ctx.hub, row, num)
    events = _events(d)
    event = _find_comment(events, ctx.params["rev"])
    _owner_or(ctx, row, user, event["author"]["name"], "hide this comment")
    # Hiding is irreversible on the Hub: the content and its history are gone, not just flagged.
    data = event["data"]
    data.update(hidden=True, hiddenBy=user.name, history=[])
    data["latest"] = {**data["latest"], "raw": _HIDDEN, "html": _HIDDEN}
    _save_events(ctx, row, num, events)
    return json_response({"updatedComment": event})
