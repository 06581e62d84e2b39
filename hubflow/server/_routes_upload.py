"""Uploads: README validation, preupload, the NDJSON commit, ``create_pr`` commits.

The Git LFS batch API and the signed upload URLs are in ``_routes_lfs``.

```python
# POST /api/models/alice/m/commit/main   (application/x-ndjson)
# {"key": "header", "value": {"summary": "Add a", "parentCommit": "..."}}
# {"key": "file", "value": {"path": "a.txt", "content": "aGk=", "encoding": "base64"}}
```
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from typing import Any

import anyio.to_thread
import msgspec
from starlette.responses import Response

from hubflow.server._card import CardError, parse_front_matter, validate_card
from hubflow.server._db import RepoRow
from hubflow.server._errors import HubError, bad_request, revision_not_found
from hubflow.server._gitstore import GitRepo
from hubflow.server._hub import Hub
from hubflow.server._ndjson import CommitHeader, CommitParser, LfsUse, parse_stream
from hubflow.server._paths import clean_path
from hubflow.server._patterns import GitAttributes, GitIgnore, choose_upload_mode
from hubflow.server._router import Ctx, Router, json_response
from hubflow.server._routes_repos import repo_url

router = Router()


@router.route("POST", "/api/validate-yaml")
def validate_yaml(ctx: Ctx) -> Response:
    body = ctx.json()
    repo_type = str(body.get("repoType") or "model")
    if repo_type not in ("model", "dataset", "space"):
        return json_response({"errors": [{"message": f"Unknown repo type {repo_type!r}"}], "warnings": []}, 400)
    errors, warnings = validate_card(str(body.get("content", "")), repo_type)
    data = {"errors": [{"message": m} for m in errors], "warnings": [{"message": m} for m in warnings]}
    return json_response(data, status=400 if errors else 200)


def card_data(git: GitRepo, sha: str) -> dict[str, Any] | None:
    """The README's metadata at a commit (None without README or on invalid YAML)."""
    text = _text_at(git, sha, "README.md")
    if text is None:
        return None
    try:
        return parse_front_matter(text)
    except CardError:
        return None


def card_tags(card: dict[str, Any] | None) -> list[str]:
    """Tags the Hub derives from card metadata (``tags``, ``license:``, ``language:``, ``library_name``,
    ``pipeline_tag``)."""
    if not card:
        return []
    def as_list(v: Any) -> list[str]:
        return [str(x) for x in v] if isinstance(v, list) else ([str(v)] if v is not None else [])

    tags = as_list(card.get("tags"))
    tags += [f"license:{x}" for x in as_list(card.get("license"))]
    tags += [f"language:{x}" for x in as_list(card.get("language"))]
    tags += as_list(card.get("library_name"))
    tags += as_list(card.get("pipeline_tag"))
    return list(dict.fromkeys(tags))


def _text_at(git: GitRepo, sha: str, path: str) -> str | None:
    entry = git.entry(sha, path)
    if entry is None or entry.lfs is not None:
        return None
    return git.read_blob(entry.oid).decode("utf-8", "replace")


class _PreuploadFile(msgspec.Struct):
    path: str = ""
    sample: bytes = b""  # msgspec decodes the base64 string (strict)
    size: int = 0


class _Preupload(msgspec.Struct):
    files: list[_PreuploadFile]
    git_attributes: str | None = msgspec.field(default=None, name="gitAttributes")
    git_ignore: str | None = msgspec.field(default=None, name="gitIgnore")


_PREUPLOAD = msgspec.json.Decoder(_Preupload)


def _preupload_request(ctx: Ctx) -> _Preupload:
    """The body in one msgspec pass; anything it refuses goes through the general path, which names the fault."""
    try:
        return _PREUPLOAD.decode(ctx.body or b"{}")
    except msgspec.DecodeError:
        pass
    body = ctx.json()
    files = body.get("files")
    if not isinstance(files, list):
        raise bad_request("'files' must be a list")
    parsed = []
    for f in files:
        if not isinstance(f, dict):
            raise bad_request("Each entry of 'files' must be an object")
        path = str(f.get("path", ""))
        try:
            sample = base64.b64decode(f.get("sample") or "", validate=True)
        except (binascii.Error, TypeError):
            raise bad_request(f"Invalid base64 sample for {path}") from None
        try:
            size = int(f.get("size") or 0)
        except (TypeError, ValueError):
            raise bad_request(f"Invalid size for {path}") from None
        parsed.append(_PreuploadFile(path=path, sample=sample, size=size))
    attributes, ignore = body.get("gitAttributes"), body.get("gitIgnore")
    return _Preupload(files=parsed, git_attributes=str(attributes) if attributes is not None else None,
                      git_ignore=str(ignore) if ignore is not None else None)


# Parsed rules by text: an upload's preupload calls (one per 256 files) all read the same files, and
# a parse of the default .gitattributes costs ~0.5 ms. The parsed objects are never modified.
_attributes = functools.lru_cache(maxsize=64)(GitAttributes.from_text)
_ignore_rules = functools.lru_cache(maxsize=64)(GitIgnore.from_text)


@router.route("POST", "/api/{T}/{R}/preupload/{rev}")
def preupload(ctx: Ctx) -> Response:
    row = ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    request = _preupload_request(ctx)
    git = ctx.hub.open_git(row)
    try:
        sha = git.resolve(ctx.params["rev"])
        if sha is None:
            raise revision_not_found(ctx.params["rev"])
        attrs_text = request.git_attributes or _text_at(git, sha, ".gitattributes")
        attrs = _attributes(attrs_text) if attrs_text else None
        ignore_text = request.git_ignore if request.git_ignore is not None else _text_at(git, sha, ".gitignore")
        ignore = _ignore_rules(ignore_text) if ignore_text else None
        paths = [clean_path(f.path) for f in request.files]
        existing = git.file_entries(sha, paths)
        out = []
        for f, path in zip(request.files, paths, strict=True):
            item: dict[str, Any] = {
                "path": f.path, "uploadMode": choose_upload_mode(path, f.size, f.sample, attrs),
                "shouldIgnore": bool(ignore and ignore.is_ignored(path)),
            }
            entry = existing.get(path)
            if entry is not None:
                item["oid"] = entry.lfs[0] if entry.lfs else entry.oid
            out.append(item)
    finally:
        git.close()
    return Response(msgspec.json.encode({"files": out, "commitOid": sha}), media_type="application/json")


def commit_message(header: CommitHeader) -> str:
    summary = (header.summary or "").strip()
    if not summary:
        raise bad_request("The commit summary must not be empty")
    description = (header.description or "").strip()
    return f"{summary}\n\n{description}\n" if description else f"{summary}\n"


def after_commit(hub: Hub, row: RepoRow, ref: str, sha: str, lfs_used: list[LfsUse]) -> None:
    """Keep the listing columns in SQLite in step with ``main``; name the LFS objects committed."""
    for path, oid, size in lfs_used:
        hub.db.link_lfs(row.id, oid, size, filename=path)
    fields: dict[str, Any] = {"last_modified": time.time()}
    if ref == "refs/heads/main":
        fields["sha"] = sha
        git = hub.open_git(row)
        try:
            fields["tags"] = json.dumps(card_tags(card_data(git, sha)))
        finally:
            git.close()
    hub.db.update_repo(row.id, **fields)
    hub.emit("repo.content", "update", row, ref=ref, sha=sha)


@router.route("POST", "/api/{T}/{R}/commit/{rev}")
async def commit(ctx: Ctx) -> Response:
    """Parse the NDJSON body while it arrives (rights checked first), then write the commit in a thread."""
    hub = ctx.hub
    row = await anyio.to_thread.run_sync(hub.writable_repo, ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    length = ctx.request.headers.get("content-length", "")
    parser = CommitParser(hub, row, body_size=int(length) if length.isdigit() else None)
    try:
        await parse_stream(parser, Router.body_chunks(ctx.request, hub.limits.max_body_size))
        return await anyio.to_thread.run_sync(_write_commit, ctx, row, parser)
    finally:  # a pack the commit did not finish (bad line, disconnect, 412...) is removed; sync: cancellation-proof
        parser.close()


def _write_commit(ctx: Ctx, row: RepoRow, parser: CommitParser) -> Response:
    assert ctx.user is not None
    header, ops, lfs_used = parser.finish()
    message = commit_message(header)
    parent = header.parent_commit
    if parent is not None and not re.match(r"^[0-9a-fA-F]{5,40}$", str(parent)):
        raise bad_request("Invalid parentCommit")
    rev = ctx.params["rev"]
    url = repo_url(ctx.base_url, row.type, row.repo_id)
    git = ctx.hub.open_git(row)
    try:
        ref = git.ref_for(rev)
        if ref is None:
            if git.resolve(rev) is not None:
                raise bad_request(f"Cannot commit to a commit id: {rev}")
            raise revision_not_found(rev)
        if ctx.flag("create_pr"):
            if not ref.startswith("refs/heads/"):
                raise bad_request("A pull request must target a branch")
            base = git.resolve(ref)
            assert base is not None
            if parent is not None:
                full = next((c.id.decode() for c in git.history(base) if c.id.decode().startswith(str(parent))), None)
                if full is None:
                    raise HubError(412, f"parentCommit {parent} is not in the history of {rev}")
                base = full
            from hubflow.server._routes_prs import open_pull_request

            num = open_pull_request(ctx.hub, row, ctx.user.name, header.summary or "", ref, base)
            pr_ref = f"refs/pr/{num}"
            sha = git.commit(pr_ref, ops, message, author=ctx.user.name, base=base, pack=parser.pack)
            after_commit(ctx.hub, row, pr_ref, sha, lfs_used)
            from hubflow.server._routes_prs import record_commit

            record_commit(ctx.hub, row, num, ctx.user.name, sha, message)
            return json_response({
                "commitOid": sha, "commitUrl": f"{url}/commit/{sha}", "pullRequestUrl": f"{url}/discussions/{num}",
                "hookOutput": "", "success": True,
            })
        if ref.startswith("refs/tags/"):
            raise bad_request("Cannot commit to a tag")
        sha = git.commit(ref, ops, message, author=ctx.user.name, expect=str(parent) if parent else None,
                         pack=parser.pack)
    finally:
        git.close()
    after_commit(ctx.hub, row, ref, sha, lfs_used)
    if ref.startswith("refs/pr/"):
        from hubflow.server._routes_prs import record_commit

        record_commit(ctx.hub, row, int(ref.rsplit("/", 1)[1]), ctx.user.name, sha, message)
    return json_response({"commitOid": sha, "commitUrl": f"{url}/commit/{sha}", "hookOutput": "", "success": True})
