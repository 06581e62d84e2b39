"""Deterministic benchmark data: small text files, large binary files (written streaming), bulk repos.

Everything is seeded, so two runs upload byte-identical content; large files are written in 4 MiB
chunks and never held in memory.

```python
small = write_small_files(tmp / "small", count=20, seed=1)
lfs = write_large_files(tmp / "lfs", count=2, size=2 * MiB, seed=2)
seed_model_repos(data_dir, namespace="bulk", count=50)
```
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
import time
from pathlib import Path

MiB = 1024 * 1024
CHUNK = 4 * MiB


def write_small_files(folder: Path, *, count: int, seed: int, min_size: int = 1024, max_size: int = 64 * 1024) -> Path:
    """``count`` text files of 1-64 KB spread over 20 sub-folders (base64 text: regular, not LFS)."""
    rng = random.Random(seed)
    for i in range(count):
        size = rng.randint(min_size, max_size)
        path = folder / f"part-{i % 20:02d}" / f"file-{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.encodebytes(rng.randbytes(size * 3 // 4 + 3))[:size])
    return folder


def write_large_file(path: Path, *, size: int, seed: int) -> Path:
    """One binary file of ``size`` bytes, generated and written chunk by chunk."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        left = size
        while left:
            n = min(CHUNK, left)
            handle.write(rng.randbytes(n))
            left -= n
    return path


def write_large_files(folder: Path, *, count: int, size: int, seed: int) -> Path:
    """``count`` files of ``size`` bytes named ``shard-0000.bin``... (``.bin`` is LFS by .gitattributes)."""
    for i in range(count):
        write_large_file(folder / f"shard-{i:04d}.bin", size=size, seed=seed + i)
    return folder


def link_folder(src_files: list[Path], folder: Path) -> Path:
    """A folder holding hard links (or copies) of ``src_files``: the same bytes, no extra disk."""
    folder.mkdir(parents=True, exist_ok=True)
    for src in src_files:
        dst = folder / src.name
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
    return folder


def seed_model_repos(data_dir: Path, *, namespace: str, count: int) -> float:
    """Create ``count`` public models ``{namespace}/model-NNNNN`` directly in a (stopped) local Hub.

    Rows go into SQLite in one transaction; the git repos are hard-linked copies of one template
    (an initial commit does not depend on the repo name), so 10,000 repos take seconds, not minutes.
    Returns the seconds it took.
    """
    from hubflow.server._hub import Hub, default_gitattributes

    start = time.perf_counter()
    hub = Hub(data_dir)
    hub.db.add_user(namespace, token=f"hf_{namespace}_write")
    template = hub.git.init("model", namespace, "template-0", gitattributes=default_gitattributes(), author=namespace)
    sha = template.resolve("main")
    template.close()
    template_path = hub.git.path("model", namespace, "template-0")
    now = time.time()
    with hub.db.tx() as c:
        c.executemany(
            "INSERT INTO repos (type, namespace, name, private, created_at, last_modified, sha)"
            " VALUES ('model', ?, ?, 0, ?, ?, ?)",
            [(namespace, f"model-{i:05d}", now + i * 1e-3, now + i * 1e-3, sha) for i in range(count)],
        )
    for i in range(count):
        shutil.copytree(template_path, hub.git.path("model", namespace, f"model-{i:05d}"), copy_function=os.link)
    shutil.rmtree(template_path)
    return time.perf_counter() - start


def sha256_single_core_mb_s(size: int = 256 * MiB, chunk: int = CHUNK) -> float:
    """hashlib sha256 over an in-memory buffer in 4 MiB chunks, one thread: MB/s (10^6 bytes)."""
    rng = random.Random(0)
    buffer = memoryview(b"".join(rng.randbytes(min(chunk, size - o)) for o in range(0, size, chunk)))
    digest = hashlib.sha256()
    start = time.perf_counter()
    for offset in range(0, size, chunk):
        digest.update(buffer[offset : offset + chunk])
    return size / (time.perf_counter() - start) / 1e6
