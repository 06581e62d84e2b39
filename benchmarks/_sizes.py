"""Workload sizes: ``full`` (the figures of issues #2 and #5) and ``smoke`` (seconds, for CI).

```python
sizes = SIZES["smoke"]
sizes.small_files, sizes.lfs_size
```
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    """How big each workload is."""

    small_files: int
    """upload_folder / snapshot_download of this many 1-64 KB files."""
    lfs_files: int
    lfs_size: int
    """upload_folder / snapshot_download of ``lfs_files`` files of ``lfs_size`` bytes."""
    tree_files: int
    """list_repo_tree(recursive=True) of a repo holding this many files."""
    models: int
    """list_models over this many repos."""
    mem_small: int
    mem_large: int
    """Peak memory uploading one file of ``mem_large`` bytes vs one of ``mem_small`` bytes."""
    server_files: int
    server_lfs: int
    """Server benchmark: one commit of ``server_files`` small files; an LFS file of ``server_lfs`` bytes."""
    sha_buffer: int
    """In-memory buffer for the single-core sha256 figure."""


SIZES: dict[str, Sizes] = {
    "full": Sizes(
        small_files=2000, lfs_files=4, lfs_size=256 * MiB, tree_files=10_000, models=10_000,
        mem_small=256 * MiB, mem_large=2048 * MiB, server_files=10_000, server_lfs=1024 * MiB, sha_buffer=256 * MiB,
    ),
    "smoke": Sizes(
        small_files=20, lfs_files=2, lfs_size=2 * MiB, tree_files=200, models=50,
        mem_small=2 * MiB, mem_large=16 * MiB, server_files=200, server_lfs=20 * MiB, sha_buffer=32 * MiB,
    ),
}
