"""One measurement in a fresh process: ``python -m benchmarks._worker CLIENT WORKLOAD JSON_ARGS``.

``CLIENT`` is ``huggingface_hub`` or ``hubflow``; the SAME workload code runs against either, through
``lib.HfApi(endpoint=..., token=...)``. Only the workload call is timed (imports and the client's
construction are not). The last stdout line is a JSON object: ``{"seconds": ..., "count": ...}``
plus workload extras, or ``{"error": "Type: message"}`` when the client cannot do it (yet).
The result also carries this process's peak RSS (``vmhwm_kb``, from ``/proc/self/status``).

```console
$ python -m benchmarks._worker huggingface_hub list_models '{"endpoint": "http://127.0.0.1:8080", "token": "hf_x", "author": "bulk"}'
{"seconds": 0.41, "count": 10000}
```
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

Args = dict[str, Any]


def _api(lib: Any, args: Args) -> Any:
    return lib.HfApi(endpoint=args["endpoint"], token=args["token"])


class _HashMeter:
    """Sums hubflow's hashing progress events: bytes hashed over the wall time hashing nodes ran."""

    def __init__(self) -> None:
        self.bytes = 0
        self.first: float | None = None
        self.last: float | None = None
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        kind = getattr(event, "kind", "")
        if "Hash" not in kind:
            return
        now = time.perf_counter()
        with self.lock:
            name = type(event).__name__
            if name == "NodeStarted" and self.first is None:
                self.first = now
            elif name == "NodeProgress":
                self.bytes += event.delta_bytes
            elif name in ("NodeFinished", "NodeFailed"):
                self.last = now

    def result(self) -> dict[str, float]:
        if not self.bytes or self.first is None or self.last is None or self.last <= self.first:
            return {}
        return {"hash_mb_s": self.bytes / (self.last - self.first) / 1e6, "hash_bytes": self.bytes}


def upload_folder(lib: Any, args: Args) -> dict[str, Any]:
    api = _api(lib, args)
    meter = _HashMeter()
    if lib.__name__ == "hubflow":
        api.on_event = meter  # events are hubflow's; the official client has none
    start = time.perf_counter()
    api.upload_folder(repo_id=args["repo_id"], folder_path=args["folder"], commit_message="bench upload")
    seconds = time.perf_counter() - start
    count = sum(1 for p in Path(args["folder"]).rglob("*") if p.is_file())
    return {"seconds": seconds, "count": count, **meter.result()}


def _small_payload(rng: random.Random, size: int) -> bytes:
    # base64 text: the Hub keeps it a regular (non-LFS) file
    return base64.encodebytes(rng.randbytes(size * 3 // 4 + 3))[:size]


def create_commit_files(lib: Any, args: Args) -> dict[str, Any]:
    """One commit of ``count`` small in-memory files (the server benchmark, and the tree repo's setup)."""
    api = _api(lib, args)
    rng = random.Random(args.get("seed", 0))
    ops = [
        lib.CommitOperationAdd(path_in_repo=f"d{i % 100:02d}/f{i:05d}.txt", path_or_fileobj=_small_payload(rng, 256))
        for i in range(args["count"])
    ]
    start = time.perf_counter()
    api.create_commit(repo_id=args["repo_id"], operations=ops, commit_message=f"{len(ops)} files")
    return {"seconds": time.perf_counter() - start, "count": len(ops)}


def snapshot_download(lib: Any, args: Args) -> dict[str, Any]:
    api = _api(lib, args)
    start = time.perf_counter()
    if hasattr(lib, "snapshot_download"):
        path = lib.snapshot_download(
            repo_id=args["repo_id"], cache_dir=args["cache_dir"], endpoint=args["endpoint"], token=args["token"]
        )
    else:
        path = api.snapshot_download(repo_id=args["repo_id"], cache_dir=args["cache_dir"])
    seconds = time.perf_counter() - start
    count = sum(1 for p in Path(path).rglob("*") if p.is_file())
    return {"seconds": seconds, "count": count}


def list_repo_tree(lib: Any, args: Args) -> dict[str, Any]:
    api = _api(lib, args)
    start = time.perf_counter()
    entries = list(api.list_repo_tree(args["repo_id"], recursive=True))
    return {"seconds": time.perf_counter() - start, "count": len(entries)}


def list_models(lib: Any, args: Args) -> dict[str, Any]:
    api = _api(lib, args)
    start = time.perf_counter()
    models = list(api.list_models(author=args["author"]))
    assert all(hasattr(m, "id") for m in models), "list_models must yield objects with .id"
    return {"seconds": time.perf_counter() - start, "count": len(models)}


def hash_files(lib: Any, args: Args) -> dict[str, Any]:
    """hubflow's one-pass hasher on ``files`` in parallel threads (the fallback hashing figure)."""
    from hubflow._hashing import hash_file_sync

    files = [Path(f) for f in args["files"]]
    total = sum(f.stat().st_size for f in files)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.get("threads") or os.cpu_count() or 1) as pool:
        list(pool.map(hash_file_sync, files))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "count": len(files), "hash_mb_s": total / seconds / 1e6, "hash_bytes": total}


def hash_graph(lib: Any, args: Args) -> dict[str, Any]:
    """hubflow's hashing stage alone: a graph of ``HashFile`` nodes run by the executor (``hash`` limit = cores)."""
    import anyio

    from hubflow._http import HubClient
    from hubflow._settings import Settings
    from hubflow.graph import Graph, run
    from hubflow.tasks import HashFile, file_source

    files = [file_source(f) for f in args["files"]]
    total = sum(f.size for f in files)
    graph = Graph()
    for source in files:
        graph.add(HashFile(source=source))
    async def timed() -> float:
        async with HubClient(Settings(endpoint="http://127.0.0.1:9", token=None)) as hub:  # makes no request
            start = time.perf_counter()
            await run(graph, hub)
            return time.perf_counter() - start

    seconds = anyio.run(timed)
    return {"seconds": seconds, "count": len(files), "hash_mb_s": total / seconds / 1e6, "hash_bytes": total}


WORKLOADS: dict[str, Callable[[Any, Args], dict[str, Any]]] = {
    "upload_folder": upload_folder,
    "create_commit_files": create_commit_files,
    "snapshot_download": snapshot_download,
    "list_repo_tree": list_repo_tree,
    "list_models": list_models,
    "hash_files": hash_files,
    "hash_graph": hash_graph,
}


def _own_peak_kb() -> int:
    """This process's peak RSS (``VmHWM``): per address space, so the parent's pages before exec don't count."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    client, workload, raw = argv
    try:
        lib = importlib.import_module(client)
        result = WORKLOADS[workload](lib, json.loads(raw))
    except Exception as e:  # reported, not raised: a missing hubflow feature is a table cell, not a crash
        result = {"error": f"{type(e).__name__}: {e}"[:300]}
    result["vmhwm_kb"] = _own_peak_kb()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
