"""RepoTreeWidget: lazy fetching once per folder, rows, sizes, LFS badges, errors, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from huggingface_hub.hf_api import RepoFile, RepoFolder

from jupyter_ext import RepoTreeWidget


@dataclass
class Lfs:
    size: int
    sha256: str


@dataclass
class File:
    path: str
    size: int
    blob_id: str
    lfs: Lfs | None = None


@dataclass
class Folder:
    path: str
    tree_id: str


LISTING: dict[str, list[Any]] = {
    "": [
        File("README.md", 1200, "b1"),
        Folder("data", "t1"),
        File("model.safetensors", 5_000_000_000, "b2", Lfs(5_000_000_000, "ab" * 32)),
        Folder("configs", "t2"),
    ],
    "data": [
        File("data/train.parquet", 2_500_000, "b3", Lfs(2_500_000, "cd" * 32)),
        Folder("data/raw", "t3"),
    ],
    "data/raw": [File("data/raw/a.txt", 3, "b4")],
    "configs": [],
}


def classes(widget: object) -> tuple[str, ...]:
    return tuple(getattr(widget, "_dom_classes", ()))


def kinds(rows: tuple[Any, ...]) -> list[str]:
    out = []
    for row in rows:
        if "hubflow-tree-file" in classes(row):
            out.append("file")
        elif row.children and "hubflow-tree-folder" in classes(row.children[0]):
            out.append("folder")
        else:
            out.append("other")
    return out


class Recorder:
    def __init__(self, listing: dict[str, list[Any]]) -> None:
        self.listing = listing
        self.calls: list[str] = []

    def __call__(self, path: str) -> list[Any]:
        self.calls.append(path)
        return self.listing[path]


def test_lazy_fetch_once_per_folder() -> None:
    fetch = Recorder(LISTING)
    tree = RepoTreeWidget(fetch=fetch, title="alice/demo")
    assert "hubflow-tree" in classes(tree)
    assert fetch.calls == [""]  # only the root is listed up front
    # Folders first, then files, each sorted by name.
    assert kinds(tree.root.children) == ["folder", "folder", "file", "file"]
    assert [tree.root.children[i].children[0].description for i in (0, 1)] == ["▸ configs/", "▸ data/"]

    data = tree.folder("data")
    data.button.click()
    assert fetch.calls == ["", "data"]
    assert data.children.layout.display == "flex"
    assert data.button.description == "▾ data/"
    assert kinds(data.children.children) == ["folder", "file"]
    train = data.children.children[1]
    assert "train.parquet" in train.value and "2.5 MB" in train.value and "hubflow-tree-lfs" in train.value

    data.button.click()  # collapse
    assert data.children.layout.display == "none"
    data.button.click()  # expand again: no second fetch
    assert fetch.calls == ["", "data"]

    tree.folder("data/raw").button.click()
    assert fetch.calls == ["", "data", "data/raw"]
    (a_txt,) = tree.folder("data/raw").children.children
    assert "a.txt" in a_txt.value and "3 B" in a_txt.value and "LFS" not in a_txt.value

    tree.folder("configs").button.click()
    (empty,) = tree.folder("configs").children.children
    assert "hubflow-tree-empty" in classes(empty)


def test_root_files_show_sizes_and_lfs_badge() -> None:
    tree = RepoTreeWidget(fetch=Recorder(LISTING))
    model, readme = tree.root.children[2], tree.root.children[3]  # sorted case-insensitively
    assert "README.md" in readme.value and "1.2 kB" in readme.value and "LFS" not in readme.value
    assert "model.safetensors" in model.value and "5.0 GB" in model.value and ">LFS<" in model.value


def test_static_recursive_listing_implies_missing_folders() -> None:
    entries = [
        File("a/b/c.txt", 10, "b1"),
        File("a/d.txt", 20, "b2"),
        File("top.txt", 30, "b3"),
    ]
    tree = RepoTreeWidget(entries)
    assert kinds(tree.root.children) == ["folder", "file"]
    tree.folder("a").toggle()
    assert kinds(tree.folder("a").children.children) == ["folder", "file"]
    tree.folder("a/b").toggle()
    (c,) = tree.folder("a/b").children.children
    assert "c.txt" in c.value


def test_huggingface_hub_entries_and_raw_json() -> None:
    hub_entries = [
        RepoFolder(path="sub", oid="t"),
        RepoFile(path="w.bin", size=2000, oid="b", lfs={"size": 2000, "oid": "ee" * 32, "pointerSize": 130}),
    ]
    tree = RepoTreeWidget(hub_entries)
    assert kinds(tree.root.children) == ["folder", "file"]
    assert "LFS" in tree.root.children[1].value
    raw = [
        {"type": "directory", "path": "x", "oid": "t"},
        {"type": "file", "path": "y", "size": 5, "oid": "b"},
    ]
    assert kinds(RepoTreeWidget(raw).root.children) == ["folder", "file"]


def test_fetch_error_is_shown_and_retried() -> None:
    attempts = []

    def flaky(path: str) -> list[Any]:
        attempts.append(path)
        if path == "data" and len(attempts) == 2:
            raise ConnectionError("hub unreachable <again>")
        return LISTING[path]

    tree = RepoTreeWidget(fetch=flaky)
    data = tree.folder("data")
    data.toggle()
    (error,) = data.children.children
    assert "hubflow-tree-error" in classes(error)
    assert "ConnectionError: hub unreachable &lt;again&gt;" in error.value
    data.toggle()  # collapse
    data.toggle()  # expand: tries again
    assert attempts == ["", "data", "data"]
    assert kinds(data.children.children) == ["folder", "file"]


def test_big_folder_is_paged() -> None:
    entries = [File(f"f{i:03d}.txt", i, f"b{i}") for i in range(25)]
    tree = RepoTreeWidget(entries, page_size=10)
    rows = tree.root.children
    assert len(rows) == 11 and "hubflow-tree-more" in classes(rows[-1])
    rows[-1].click()
    rows = tree.root.children
    assert len(rows) == 21
    rows[-1].click()
    rows = tree.root.children
    assert len(rows) == 25 and all("hubflow-tree-file" in classes(r) for r in rows)
    assert "f024.txt" in rows[-1].value


def test_needs_entries_or_fetch() -> None:
    with pytest.raises(TypeError):
        RepoTreeWidget()
