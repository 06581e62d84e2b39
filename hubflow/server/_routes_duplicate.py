"""``POST /api/{T}/{R}/duplicate``: a server-side copy of a repo (any type) into the caller's namespace.

The bare git repository is copied whole (history, branches, tags; ``refs/pr/*`` are dropped since
discussions are not copied), the LFS objects are linked to the new repo (the store is
content-addressed: nothing is re-uploaded), and the metadata follows: tags, visibility (unless the
body sets ``visibility``), for Spaces the SDK and variables. Space secrets are never copied (their
values are write-only); the body's ``secrets``, ``variables``, ``hardware`` (default ``cpu-basic``),
``sleepTimeSeconds`` and ``volumes`` apply to the copy. Everything is copied before answering, so
``filesCopyPending`` is always false. A target that exists answers 409 with its ``url``.

```python
# POST /api/spaces/alice/demo/duplicate {"repository": "bob/demo", "visibility": "private"}
# -> {"url": "http://127.0.0.1:8080/spaces/bob/demo", "filesCopyPending": false}
```
"""

from __future__ import annotations

import shutil

from starlette.responses import Response

from hubflow.server._errors import bad_request
from hubflow.server._paths import check_name
from hubflow.server._router import Ctx, Router, json_response
from hubflow.server._routes_repos import repo_url
from hubflow.server._routes_spaces import env_items, init_space, parse_space_options, space_sdk

router = Router()


@router.route("POST", "/api/{T}/{R}/duplicate")
def duplicate(ctx: Ctx) -> Response:
    hub = ctx.hub
    src = hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    hub.check_gate(ctx.user, src)
    body = ctx.json()
    target = body.get("repository")
    if not isinstance(target, str) or target.count("/") != 1:
        raise bad_request("'repository' must be 'namespace/name'")
    namespace, name = target.split("/")
    check_name(namespace, "namespace")
    check_name(name, "repo name")
    user = hub.require_write(ctx.user, namespace)
    if hub.db.account(namespace) is None:
        raise bad_request(f"Unknown namespace: {namespace}")
    visibility = body.get("visibility")
    if visibility not in (None, "public", "private", "protected"):
        raise bad_request("'visibility' must be public, private or protected")
    if visibility == "protected" and src.type != "space":
        raise bad_request("Only Spaces can be protected")
    opts = parse_space_options(body) if src.type == "space" else None
    url = repo_url(ctx.base_url, src.type, target)
    if hub.db.get_repo(src.type, namespace, name) is not None:
        return json_response({"error": f"You already created this {src.type} repo", "url": url}, status=409)
    private = src.private if visibility is None else visibility in ("private", "protected")
    try:
        row = hub.db.create_repo(src.type, namespace, name, private=private)
    except Exception as e:  # sqlite3.IntegrityError: a concurrent create won
        if "UNIQUE" in str(e):
            return json_response({"error": f"You already created this {src.type} repo", "url": url}, status=409)
        raise
    try:
        dst_path = hub.git.path(src.type, namespace, name)
        shutil.rmtree(dst_path, ignore_errors=True)
        dst_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(hub.git.path(src.type, src.namespace, src.name), dst_path)
        git = hub.open_git(row)
        try:
            for ref in git.refs():
                if ref.startswith("refs/pr/"):
                    git.set_ref(ref, None)
            sha = git.resolve("main")
        finally:
            git.close()
        with hub.db.tx() as c:
            c.execute(
                "INSERT OR IGNORE INTO lfs_objects SELECT ?, oid, size, pushed_at, filename FROM lfs_objects"
                " WHERE repo_id = ?", (row.id, src.id),
            )
        hub.db.update_repo(row.id, sha=sha, tags=_json_tags(src.tags))
        if opts is not None:
            opts["sdk"] = opts["sdk"] or space_sdk(hub, src)
            given = {v["key"] for v in opts["variables"]}
            inherited = [
                {"key": v["key"], "value": v["value"], "description": v["description"]}
                for v in env_items(hub, src, "variable") if v["key"] not in given
            ]
            opts["variables"] = inherited + opts["variables"]
            init_space(hub, row, opts, user.name)
    except BaseException:
        hub.db.delete_repo(row.id)
        hub.git.delete(src.type, namespace, name)
        raise
    new_row = hub.db.get_repo(src.type, namespace, name)
    hub.emit("repo", "create", new_row or row)
    return json_response({"url": url, "filesCopyPending": False})


def _json_tags(tags: list[str]) -> str:
    import json

    return json.dumps(tags)


__all__ = ["router"]
