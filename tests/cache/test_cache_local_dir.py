"""local_dir bookkeeping, checked against huggingface_hub's `_local_folder` both ways."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hubflow._cache import (
    huggingface_dir,
    local_dir_paths,
    read_download_metadata,
    write_download_metadata,
)

COMMIT = "c" * 40
ETAG = "e" * 64


def test_huggingface_dir_has_gitignore_and_tag(tmp_path: Path) -> None:
    folder = huggingface_dir(tmp_path)
    assert folder == tmp_path / ".cache" / "huggingface"
    assert (folder / ".gitignore").read_text() == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_paths_match_official(tmp_path: Path) -> None:
    from huggingface_hub._local_folder import get_local_download_paths

    for name in ("README", "dir/sub/model.safetensors", ".gitattributes"):
        ours = local_dir_paths(tmp_path, name)
        theirs = get_local_download_paths(tmp_path, name)
        assert (ours.file_path, ours.lock_path, ours.metadata_path) == (
            theirs.file_path,
            theirs.lock_path,
            theirs.metadata_path,
        )
        # Upstream adds the process-unique part when downloading: "<stem>.<8 hex>.incomplete".
        official_stem = theirs.incomplete_path(ETAG).name.removesuffix(".incomplete")
        incomplete = ours.incomplete_path(ETAG)
        assert incomplete.parent == theirs.incomplete_path(ETAG).parent
        stem, unique, suffix = incomplete.name.rsplit(".", 2)
        assert (stem, len(unique), suffix) == (official_stem, 8, "incomplete")
        assert ours.incomplete_path(ETAG) != incomplete


def test_official_reads_hubflow_metadata(tmp_path: Path) -> None:
    from huggingface_hub._local_folder import read_download_metadata as official_read

    local_dir_paths(tmp_path, "dir/f.bin").file_path.write_bytes(b"x")
    write_download_metadata(tmp_path, "dir/f.bin", COMMIT, ETAG)
    meta = official_read(tmp_path, "dir/f.bin")
    assert meta is not None and (meta.commit_hash, meta.etag) == (COMMIT, ETAG)
    assert abs(meta.timestamp - time.time()) < 5
    lines = (tmp_path / ".cache/huggingface/download/dir/f.bin.metadata").read_text().split("\n")
    assert lines[:2] == [COMMIT, ETAG] and lines[3] == ""


def test_hubflow_reads_official_metadata(tmp_path: Path) -> None:
    from huggingface_hub._local_folder import write_download_metadata as official_write

    (tmp_path / "f.txt").write_text("hello")
    official_write(tmp_path, "f.txt", COMMIT, "a" * 40)
    meta = read_download_metadata(tmp_path, "f.txt")
    assert meta is not None
    assert (meta.filename, meta.commit_hash, meta.etag) == ("f.txt", COMMIT, "a" * 40)


def test_metadata_ignored_when_file_modified_later_or_missing(tmp_path: Path) -> None:
    from huggingface_hub._local_folder import read_download_metadata as official_read

    target = local_dir_paths(tmp_path, "f.txt").file_path
    assert read_download_metadata(tmp_path, "f.txt") is None  # nothing yet
    write_download_metadata(tmp_path, "f.txt", COMMIT, ETAG)
    assert read_download_metadata(tmp_path, "f.txt") is None  # no file
    target.write_text("v1")
    write_download_metadata(tmp_path, "f.txt", COMMIT, ETAG)
    assert read_download_metadata(tmp_path, "f.txt") is not None
    later = time.time() + 10
    os.utime(target, (later, later))  # the user edited the file after the download
    assert read_download_metadata(tmp_path, "f.txt") is None
    assert official_read(tmp_path, "f.txt") is None  # same rule upstream


def test_corrupted_metadata_is_removed(tmp_path: Path) -> None:
    paths = local_dir_paths(tmp_path, "f.txt")
    paths.file_path.write_text("v1")
    paths.metadata_path.write_text(f"{COMMIT}\n{ETAG}\nnot-a-time\n")
    assert read_download_metadata(tmp_path, "f.txt") is None
    assert not paths.metadata_path.exists()


def test_metadata_write_leaves_no_temp_files(tmp_path: Path) -> None:
    local_dir_paths(tmp_path, "f.txt").file_path.write_text("v1")
    for _ in range(3):
        write_download_metadata(tmp_path, "f.txt", COMMIT, ETAG)
    names = sorted(p.name for p in (tmp_path / ".cache/huggingface/download").iterdir())
    assert names == ["f.txt.lock", "f.txt.metadata"]
