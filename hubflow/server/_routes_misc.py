"""Small compatibility routes: tag lists, sharded safetensors metadata, Space search, ZeroGPU quota.

* ``GET /api/models-tags-by-type`` / ``/api/datasets-tags-by-type``: static tag lists grouped by
  type, each tag ``{"id", "label", "type"}`` (plus ``subType`` for pipeline tags), as the Hub answers.
* ``GET /api/models/{R}/safetensors-metadata/{path}``: ``{"index": <index JSON without weight_map>,
  "headers": {shard: <header JSON>}}`` computed from the index at ``main`` and each shard's header.
* ``GET /api/spaces/semantic-search?q=…``: a plain substring search (the local Hub has no embeddings);
  ``semanticRelevancyScore`` is the share of query words found in the Space's id, title or tags.
* ``GET /api/spaces/zero-gpu/quota``: an honest zero: this Hub has no ZeroGPU hardware.

Registered before the repo routes: ``/api/spaces/zero-gpu/quota`` would otherwise read as a Space.

```python
# GET /api/spaces/semantic-search?q=demo -> [{"id": "alice/demo", "semanticRelevancyScore": 1.0, ...}]
```
"""

from __future__ import annotations

import json
import struct
from typing import Any

from starlette.responses import Response

from hubflow.server._errors import HubError, bad_request, entry_not_found, revision_not_found
from hubflow.server._gitstore import Entry, GitRepo
from hubflow.server._hub import Hub
from hubflow.server._paths import clean_path
from hubflow.server._router import Ctx, Router, json_response

router = Router()

_PIPELINE_TAGS = {
    "nlp": ["text-classification", "token-classification", "question-answering", "translation", "summarization",
            "text-generation", "fill-mask", "sentence-similarity", "feature-extraction", "zero-shot-classification"],
    "cv": ["image-classification", "object-detection", "image-segmentation", "image-to-image", "depth-estimation"],
    "audio": ["automatic-speech-recognition", "audio-classification", "text-to-speech"],
    "multimodal": ["image-text-to-text", "text-to-image", "visual-question-answering"],
}
_LIBRARIES = ["transformers", "pytorch", "safetensors", "diffusers", "sentence-transformers", "timm", "peft",
              "gguf", "onnx", "keras", "jax", "tensorflow"]
_LICENSES = ["apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "bsd-3-clause", "gpl-3.0",
             "openrail", "llama3", "other"]
_LANGUAGES = ["en", "fr", "de", "es", "zh", "ja", "ar", "hi", "ru", "multilingual"]
_DATASET_TASKS = ["text-classification", "question-answering", "translation", "summarization", "text-generation",
                  "image-classification", "automatic-speech-recognition", "tabular-classification"]
_SIZES = ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "n>1T"]
_MODALITIES = ["text", "image", "audio", "tabular", "video", "timeseries"]
_FORMATS = ["parquet", "csv", "json", "arrow", "imagefolder", "webdataset"]


def _label(tag_id: str) -> str:
    return " ".join(part.capitalize() for part in tag_id.replace("_", "-").split("-"))


def _tags(kind: str, ids: list[str], prefix: str = "") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}", "label": _label(i), "type": kind} for i in ids]


def model_tags() -> dict[str, list[dict[str, Any]]]:
    """The static model tag list, grouped by type."""
    pipeline = [{"id": t, "label": _label(t), "type": "pipeline_tag", "subType": sub}
                for sub, ids in _PIPELINE_TAGS.items() for t in ids]
    return {"pipeline_tag": pipeline, "library": _tags("library", _LIBRARIES),
            "license": _tags("license", _LICENSES, "license:"), "language": _tags("language", _LANGUAGES)}


def dataset_tags() -> dict[str, list[dict[str, Any]]]:
    """The static dataset tag list, grouped by type (ids carry their ``kind:`` prefix, as on the Hub)."""
    return {
        "task_categories": _tags("task_categories", _DATASET_TASKS, "task_categories:"),
        "size_categories": _tags("size_categories", _SIZES, "size_categories:"),
        "modality": _tags("modality", _MODALITIES, "modality:"),
        "format": _tags("format", _FORMATS, "format:"),
        "license": _tags("license", _LICENSES, "license:"),
        "language": _tags("language", _LANGUAGES, "language:"),
    }


@router.route("GET", "/api/models-tags-by-type")
def get_model_tags(ctx: Ctx) -> Response:
    return json_response(model_tags())


@router.route("GET", "/api/datasets-tags-by-type")
def get_dataset_tags(ctx: Ctx) -> Response:
    return json_response(dataset_tags())


# -- sharded safetensors -----------------------------------------------------------------------------------
def _file_bytes(hub: Hub, repo_id: int, git: GitRepo, entry: Entry, start: int, length: int) -> bytes:
    if entry.lfs is None:
        return git.read_blob(entry.oid)[start : start + length]
    if not hub.lfs_linked(repo_id, entry.lfs[0]):  # never read an object this repo does not own
        raise entry_not_found(entry.path)
    with open(hub.lfs.path(entry.lfs[0]), "rb") as f:
        f.seek(start)
        return f.read(length)


def _shard_header(hub: Hub, repo_id: int, git: GitRepo, sha: str, shard: str) -> dict[str, Any]:
    entry = git.entry(sha, shard)
    if entry is None or entry.type != "file":
        raise entry_not_found(shard, sha)
    head = _file_bytes(hub, repo_id, git, entry, 0, 8)
    if len(head) < 8:
        raise bad_request(f"{shard} is not a safetensors file (shorter than 8 bytes)")
    (length,) = struct.unpack("<Q", head)
    if length > min(25_000_000, entry.size - 8):
        raise bad_request(f"{shard} has an invalid safetensors header length ({length})")
    try:
        header = json.loads(_file_bytes(hub, repo_id, git, entry, 8, length))
    except ValueError:
        raise bad_request(f"{shard} has a safetensors header that is not JSON") from None
    if not isinstance(header, dict):
        raise bad_request(f"{shard} has a safetensors header that is not a JSON object")
    return header


@router.route("GET", "/api/models/{R}/safetensors-metadata/{path}")
def sharded_safetensors_metadata(ctx: Ctx) -> Response:
    hub = ctx.hub
    row = hub.readable_repo(ctx.user, "model", ctx.params["ns"], ctx.params["name"])
    path = clean_path(ctx.params["path"])
    hub.check_gate(ctx.user, row, path)
    git = hub.open_git(row)
    try:
        sha = git.resolve("main")
        if sha is None:
            raise revision_not_found("main")
        entry = git.entry(sha, path)
        if entry is None or entry.type != "file":
            raise entry_not_found(path, sha)
        try:
            index = json.loads(_file_bytes(hub, row.id, git, entry, 0, entry.size))
            weight_map = index.pop("weight_map")
            shards = sorted(set(weight_map.values()))
        except (ValueError, KeyError, AttributeError, TypeError):
            raise bad_request(f"{path} is not a safetensors index (no weight_map)") from None
        headers = {shard: _shard_header(hub, row.id, git, sha, clean_path(shard)) for shard in shards}
    finally:
        git.close()
    return json_response({"index": index, "headers": headers})


# -- Spaces --------------------------------------------------------------------------------------------------
@router.route("GET", "/api/spaces/semantic-search")
def search_spaces(ctx: Ctx) -> Response:
    # lazy: the Spaces module imports the upload routes, which import the repo routes
    from hubflow.server._routes_spaces import runtime_json, space_sdk
    from hubflow.server._routes_upload import card_data

    words = (ctx.query("q") or "").lower().split()
    if not words:
        raise bad_request("Missing query parameter: q")
    filters = set(ctx.request.query_params.getlist("filter"))
    sdks = set(ctx.request.query_params.getlist("sdk"))
    include_non_running = ctx.flag("includeNonRunning")
    user = ctx.user
    orgs = [o["name"] for o in ctx.hub.db.orgs_of(user.name)] if user else []
    rows = ctx.hub.db.list_repos("space", after=None, limit=10_000, author=None, search=None, viewer=user,
                                 viewer_orgs=orgs, tags=sorted(filters))
    hits: list[tuple[float, int, dict[str, Any]]] = []
    for row in rows:
        git = ctx.hub.open_git(row)
        try:
            card = (card_data(git, row.sha) if row.sha else None) or {}
        finally:
            git.close()
        title = str(card.get("title") or row.name)
        haystack = " ".join([row.repo_id, title, *row.tags]).lower()
        score = sum(word in haystack for word in words) / len(words)
        if score == 0:
            continue
        sdk = space_sdk(ctx.hub, row, card)
        if sdks and sdk not in sdks:
            continue
        runtime = runtime_json(ctx.hub, row, settle=False)
        if not include_non_running and runtime["stage"] != "RUNNING":
            continue
        hits.append((score, row.likes, {
            "id": row.repo_id, "author": row.namespace, "title": title, "emoji": card.get("emoji"), "sdk": sdk,
            "likes": row.likes, "private": row.private, "tags": row.tags, "runtime": runtime,
            "ai_short_description": card.get("short_description"), "ai_category": None,
            "semanticRelevancyScore": score, "trendingScore": 0,
        }))
    hits.sort(key=lambda hit: (-hit[0], -hit[1], hit[2]["id"]))
    return json_response([hit[2] for hit in hits[:50]])


@router.route("GET", "/api/spaces/zero-gpu/quota")
def zero_gpu_quota(ctx: Ctx) -> Response:
    if ctx.user is None:
        raise HubError(401, "A valid user token is required to read the ZeroGPU quota")
    # No ZeroGPU hardware on a local Hub: nothing to use, nothing used, nothing to reset.
    return json_response({"base": 0, "current": 0, "resetsAt": None, "overquotaUsed": 0})
