"""Collections: list, get, create, update, delete, and their items (add, move/annotate, remove).

Slugs are ``{owner}/{slugified-title}-{24 hex id}``; the id alone identifies a collection and
the owner part must match. Private collections are visible to the owner (or the owning org's
members) only — to anyone else they do not exist (404). Items of repos the caller cannot see
are left out. ``position`` is sent on single collections and omitted in listings (the official
client numbers listed collections itself and would fail on a duplicate keyword).

```python
# POST /api/collections {"title": "Best models", "namespace": "alice", "private": false}
# POST /api/collections/alice/best-models-65f.../items {"item": {"id": "alice/m", "type": "model"}}
```
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from starlette.responses import Response

from hubflow.server._db import iso
from hubflow.server._errors import HubError, bad_request
from hubflow.server._offset_pages import link_page
from hubflow.server._router import Ctx, Router, json_response

router = Router()

THEMES = ("orange", "blue", "green", "purple", "pink", "indigo")
ITEM_TYPES = ("model", "dataset", "space", "paper", "collection", "bucket")
_REPO_TYPES = ("model", "dataset", "space")
_LISTED_ITEMS = 4  # the Hub truncates items in listings


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "collection"


def _visible(ctx: Ctx, c: Any) -> bool:
    return not c["private"] or ctx.hub.owns(ctx.user, c["owner"])


def _find(ctx: Ctx) -> Any:
    namespace, slug = ctx.params["ns"], ctx.params["name"]
    cid = slug.rsplit("-", 1)[-1].lower()
    rows = ctx.hub.db.query("SELECT * FROM collections WHERE id = ? AND owner = ?", cid, namespace)
    if not rows or not _visible(ctx, rows[0]):
        raise HubError(404, f"Collection {namespace}/{slug} not found")
    return rows[0]


def _writable(ctx: Ctx) -> Any:
    c = _find(ctx)
    ctx.hub.require_write(ctx.user, c["owner"])
    return c


def _owner(ctx: Ctx, name: str) -> dict[str, Any]:
    account = ctx.hub.db.account(name)
    kind = account["kind"] if account else "user"
    fullname = account["fullname"] if account and account["fullname"] else name
    return {"_id": name, "name": name, "fullname": fullname, "avatarUrl": "", "type": kind, "isPro": False}


def _item_json(ctx: Ctx, it: Any) -> dict[str, Any] | None:
    data: dict[str, Any] = {"_id": it["object_id"], "type": it["item_type"], "id": it["item_id"],
                            "position": it["position"]}
    if it["note"]:
        data["note"] = {"text": it["note"], "html": it["note"]}
    if it["item_type"] in _REPO_TYPES:
        namespace, _, name = it["item_id"].partition("/")
        repo = ctx.hub.db.get_repo(it["item_type"], namespace, name)
        if repo is None or (repo.private and not ctx.hub.owns(ctx.user, namespace)):
            return None
        data.update(author=namespace, private=repo.private, gated=repo.gated or False, likes=repo.likes,
                    downloads=repo.downloads, lastModified=iso(repo.last_modified), repoType=repo.type)
    elif it["item_type"] == "collection":
        inner = ctx.hub.db.query("SELECT * FROM collections WHERE id = ?", it["item_id"])
        if not inner or not _visible(ctx, inner[0]):
            return None
        data.update(slug=f"{inner[0]['owner']}/{inner[0]['slug']}-{inner[0]['id']}", title=inner[0]["title"])
    return data


def collection_json(ctx: Ctx, c: Any, *, listed: bool = False) -> dict[str, Any]:
    """The Hub's collection object (``position`` only when not ``listed``; listed items truncated)."""
    rows = ctx.hub.db.query("SELECT * FROM collection_items WHERE collection_id = ? ORDER BY position", c["id"])
    items = [i for i in (_item_json(ctx, r) for r in rows) if i is not None]
    data: dict[str, Any] = {
        "_id": c["id"], "slug": f"{c['owner']}/{c['slug']}-{c['id']}", "title": c["title"],
        "description": c["description"], "owner": _owner(ctx, c["owner"]), "lastUpdated": iso(c["last_updated"]),
        "private": bool(c["private"]), "theme": c["theme"], "upvotes": 0, "isUpvotedByUser": False,
        "gating": False, "items": items[:_LISTED_ITEMS] if listed else items,
    }
    if not listed:
        data.update(position=c["position"], shareUrl=f"{ctx.base_url}/collections/{data['slug']}")
    return data


def _touch(ctx: Ctx, cid: str) -> None:
    with ctx.hub.db.tx() as conn:
        conn.execute("UPDATE collections SET last_updated = ? WHERE id = ?", (time.time(), cid))


def _reload(ctx: Ctx, cid: str) -> Any:
    return ctx.hub.db.query("SELECT * FROM collections WHERE id = ?", cid)[0]


def _move(conn: Any, table: str, key: str, scope_col: str, scope: str, moved: str, position: int) -> None:
    """Renumber a scope's rows 0..n-1 with ``moved`` at ``position`` (clamped)."""
    ids = [r[0] for r in conn.execute(f"SELECT {key} FROM {table} WHERE {scope_col} = ? ORDER BY position",
                                      (scope,)).fetchall() if r[0] != moved]
    ids.insert(max(0, min(position, len(ids))), moved)
    for index, ident in enumerate(ids):
        conn.execute(f"UPDATE {table} SET position = ? WHERE {key} = ?", (index, ident))


# -- collections -----------------------------------------------------------------------------------------
@router.route("GET", "/api/collections")
def list_collections(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    owners, items = q.getlist("owner"), q.getlist("item")
    rows = [c for c in ctx.hub.db.query("SELECT * FROM collections") if _visible(ctx, c)]
    if owners:
        rows = [c for c in rows if c["owner"] in owners]
    if text := (ctx.query("q") or "").lower():
        rows = [c for c in rows if text in c["title"].lower()]
    for wanted in items:  # "models/alice/m", "papers/2401.00001", ...
        kind, _, ident = wanted.partition("/")
        kind = kind.rstrip("s")
        ids = {r[0] for r in ctx.hub.db.query(
            "SELECT collection_id FROM collection_items WHERE item_type = ? AND item_id = ?", kind, ident)}
        if kind in _REPO_TYPES:  # filtering by a repo the caller cannot see must not reveal it exists
            namespace, _, name = ident.partition("/")
            repo = ctx.hub.db.get_repo(kind, namespace, name)
            if repo is None or (repo.private and not ctx.hub.owns(ctx.user, namespace)):
                ids = set()
        rows = [c for c in rows if c["id"] in ids]
    rows.sort(key=lambda c: c["last_updated"], reverse=True)  # lastModified (trending/upvotes: no signal here)
    return link_page(ctx, [collection_json(ctx, c, listed=True) for c in rows], page_size=min(100, ctx.hub.limits.page_size))


@router.route("GET", "/api/collections/{R}")
def get_collection(ctx: Ctx) -> Response:
    return json_response(collection_json(ctx, _find(ctx)))


@router.route("POST", "/api/collections")
def create_collection(ctx: Ctx) -> Response:
    body = ctx.json()
    title = str(body.get("title") or "").strip()
    if not 1 <= len(title) <= 60:
        raise bad_request("The title must be 1 to 60 characters")
    namespace = str(body.get("namespace") or (ctx.user.name if ctx.user else ""))
    ctx.hub.require_write(ctx.user, namespace)
    slug = _slugify(title)
    same = ctx.hub.db.query("SELECT * FROM collections WHERE owner = ? AND slug = ?", namespace, slug)
    if same:
        existing = f"{namespace}/{slug}-{same[0]['id']}"
        return json_response({"error": f"Collection {existing} already exists", "slug": existing}, status=409,
                             headers={"X-Error-Message": "Collection already exists"})
    cid, now = secrets.token_hex(12), time.time()
    with ctx.hub.db.tx() as conn:
        position = conn.execute("SELECT count(*) FROM collections WHERE owner = ?", (namespace,)).fetchone()[0]
        conn.execute(
            "INSERT INTO collections (id, owner, slug, title, description, private, theme, position, created_at,"
            " last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, namespace, slug, title, body.get("description"), int(bool(body.get("private"))),
             THEMES[int(cid, 16) % len(THEMES)], position, now, now),
        )
    return json_response(collection_json(ctx, _reload(ctx, cid)))


@router.route("PATCH", "/api/collections/{R}")
def update_collection(ctx: Ctx) -> Response:
    c = _writable(ctx)
    body = ctx.json()
    fields: dict[str, Any] = {}
    if "title" in body:
        title = str(body["title"] or "").strip()
        if not 1 <= len(title) <= 60:
            raise bad_request("The title must be 1 to 60 characters")
        fields.update(title=title)  # the slug (and so the URL) keeps its first title, as on the Hub
    if "description" in body:
        fields["description"] = body["description"]
    if "private" in body:
        fields["private"] = int(bool(body["private"]))
    if "theme" in body:
        if body["theme"] not in THEMES:
            raise bad_request(f"theme must be one of {', '.join(THEMES)}")
        fields["theme"] = body["theme"]
    with ctx.hub.db.tx() as conn:
        if fields:
            sets = ", ".join(f"{k} = ?" for k in fields)
            conn.execute(f"UPDATE collections SET {sets}, last_updated = ? WHERE id = ?",
                         (*fields.values(), time.time(), c["id"]))
        if "position" in body:
            if not isinstance(body["position"], int) or body["position"] < 0:
                raise bad_request("position must be a non-negative integer")
            _move(conn, "collections", "id", "owner", c["owner"], c["id"], body["position"])
    return json_response({"data": collection_json(ctx, _reload(ctx, c["id"]))})


@router.route("DELETE", "/api/collections/{R}")
def delete_collection(ctx: Ctx) -> Response:
    c = _writable(ctx)
    with ctx.hub.db.tx() as conn:
        conn.execute("DELETE FROM collection_items WHERE collection_id = ?", (c["id"],))
        conn.execute("DELETE FROM collections WHERE id = ?", (c["id"],))
        rest = [r[0] for r in conn.execute("SELECT id FROM collections WHERE owner = ? ORDER BY position",
                                           (c["owner"],)).fetchall()]
        for index, ident in enumerate(rest):
            conn.execute("UPDATE collections SET position = ? WHERE id = ?", (index, ident))
    return json_response({})


# -- items -----------------------------------------------------------------------------------------------
def _check_item(ctx: Ctx, kind: str, ident: str) -> str:
    """The stored id of an item that exists and that the caller can see (404 otherwise)."""
    if kind in _REPO_TYPES:
        namespace, _, name = ident.partition("/")
        ctx.hub.readable_repo(ctx.user, kind, namespace, name)
        return ident
    if kind == "collection":
        cid = ident.rsplit("-", 1)[-1].lower()
        rows = ctx.hub.db.query("SELECT * FROM collections WHERE id = ?", cid)
        if not rows or not _visible(ctx, rows[0]):
            raise HubError(404, f"Collection {ident} not found")
        return cid
    return ident  # papers and buckets are not stored on this Hub: taken as given


@router.route("POST", "/api/collections/{R}/items")
def add_item(ctx: Ctx) -> Response:
    c = _writable(ctx)
    body = ctx.json()
    item = body.get("item") or {}
    kind, ident = item.get("type"), str(item.get("id") or "")
    if kind not in ITEM_TYPES or not ident:
        raise bad_request(f"item needs an id and a type among {', '.join(ITEM_TYPES)}")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise bad_request("note is a text of at most 500 characters")
    stored = _check_item(ctx, kind, ident)
    if kind == "collection" and stored == c["id"]:
        raise bad_request("A collection cannot contain itself")
    with ctx.hub.db.tx() as conn:
        if conn.execute("SELECT 1 FROM collection_items WHERE collection_id = ? AND item_type = ? AND item_id = ?",
                        (c["id"], kind, stored)).fetchone():
            raise HubError(409, f"{kind} {ident} is already in the collection")
        position = conn.execute("SELECT count(*) FROM collection_items WHERE collection_id = ?",
                                (c["id"],)).fetchone()[0]
        conn.execute("INSERT INTO collection_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (secrets.token_hex(12), c["id"], kind, stored, position, note, time.time()))
    _touch(ctx, c["id"])
    return json_response(collection_json(ctx, _reload(ctx, c["id"])))


def _item_row(ctx: Ctx, cid: str) -> Any:
    rows = ctx.hub.db.query("SELECT * FROM collection_items WHERE collection_id = ? AND object_id = ?", cid,
                            ctx.params["rev"].lower())
    if not rows:
        raise HubError(404, f"Item {ctx.params['rev']} not found in the collection")
    return rows[0]


@router.route("PATCH", "/api/collections/{R}/items/{rev}")
def update_item(ctx: Ctx) -> Response:
    c = _writable(ctx)
    it = _item_row(ctx, c["id"])
    body = ctx.json()
    with ctx.hub.db.tx() as conn:
        if "note" in body:
            note = body["note"]
            if note is not None and (not isinstance(note, str) or len(note) > 500):
                raise bad_request("note is a text of at most 500 characters")
            conn.execute("UPDATE collection_items SET note = ? WHERE object_id = ?", (note or None, it["object_id"]))
        if "position" in body:
            if not isinstance(body["position"], int) or body["position"] < 0:
                raise bad_request("position must be a non-negative integer")
            _move(conn, "collection_items", "object_id", "collection_id", c["id"], it["object_id"], body["position"])
    _touch(ctx, c["id"])
    return json_response(collection_json(ctx, _reload(ctx, c["id"])))


@router.route("DELETE", "/api/collections/{R}/items/{rev}")
def delete_item(ctx: Ctx) -> Response:
    c = _writable(ctx)
    it = _item_row(ctx, c["id"])
    with ctx.hub.db.tx() as conn:
        conn.execute("DELETE FROM collection_items WHERE object_id = ?", (it["object_id"],))
        rest = [r[0] for r in conn.execute(
            "SELECT object_id FROM collection_items WHERE collection_id = ? ORDER BY position", (c["id"],)).fetchall()]
        for index, ident in enumerate(rest):
            conn.execute("UPDATE collection_items SET position = ? WHERE object_id = ?", (index, ident))
    _touch(ctx, c["id"])
    return json_response({})
