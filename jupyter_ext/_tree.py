"""``RepoTreeWidget``: a repo's file tree as expandable rows, listed lazily.

Entries are duck-typed like huggingface_hub's ``RepoFile`` (``.path``, ``.size``,
``.blob_id``, optional ``.lfs``) and ``RepoFolder`` (``.path``, ``.tree_id``); the Hub's raw
tree JSON (``{"type": "directory" | "file", "path", "size", "lfs"}``) works too. Give either
the whole list (e.g. ``list_repo_tree(recursive=True)``) or a ``fetch(path)`` callable that
lists one folder; ``fetch`` runs once per folder, the first time it is expanded.

```python
tree = RepoTreeWidget(fetch=lambda path: list(api.list_repo_tree(repo_id, path_in_repo=path or None)))
display(tree)
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from ._format import escape, human_bytes

__all__ = ["RepoTreeWidget"]

Fetch = Callable[[str], Iterable[Any]]


@dataclass(frozen=True)
class _Entry:
    """What the tree needs to know about one entry, whatever its original shape."""

    path: str
    is_dir: bool
    size: int | None = None
    lfs: bool = False

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


def _read(entry: Any) -> _Entry:
    if isinstance(entry, _Entry):
        return entry
    if isinstance(entry, dict):
        path = entry["path"]
        is_dir = entry.get("type") == "directory"
        size, lfs = entry.get("size"), entry.get("lfs")
    else:
        path = entry.path
        is_dir = hasattr(entry, "tree_id") and not hasattr(entry, "blob_id")
        size, lfs = getattr(entry, "size", None), getattr(entry, "lfs", None)
    return _Entry(
        path=str(path).strip("/"), is_dir=is_dir, size=None if is_dir else size, lfs=lfs is not None
    )


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def index_entries(entries: Iterable[Any]) -> dict[str, list[_Entry]]:
    """Group a (possibly recursive) listing by parent folder, adding folders only implied by paths.

    ```python
    index = index_entries(api.list_repo_tree(repo_id, recursive=True))
    assert all(e.path.startswith("data/") for e in index.get("data", []))
    ```
    """
    children: dict[str, dict[str, _Entry]] = {"": {}}
    for raw in entries:
        entry = _read(raw)
        children.setdefault(_parent(entry.path), {})[entry.path] = entry
        if entry.is_dir:
            children.setdefault(entry.path, {})
        # A recursive file listing may omit its folders: make them up from the path.
        path = _parent(entry.path)
        while path:
            parent = _parent(path)
            siblings = children.setdefault(parent, {})
            if path not in siblings:
                siblings[path] = _Entry(path=path, is_dir=True)
            children.setdefault(path, {})
            path = parent
    return {folder: list(items.values()) for folder, items in children.items()}


def _sorted(entries: Iterable[_Entry]) -> list[_Entry]:
    return sorted(entries, key=lambda e: (not e.is_dir, e.name.lower(), e.name))


# Inline styles: a widget cannot ship a stylesheet. The row's own line height keeps a tree
# compact (ipywidgets gives every HTML widget the 28 px line of an input control).
_ROW_STYLE = "line-height: 22px; white-space: nowrap"
_BADGE_STYLE = (
    "font-size: 0.75em; padding: 0 4px; margin-left: 4px; border: 1px solid #b0b0b0; "
    "border-radius: 3px; color: #555; vertical-align: 1px"
)
_ROW_LAYOUT = {"margin": "0 2px"}


def _file_html(entry: _Entry) -> str:
    badge = (
        f'<span class="hubflow-tree-lfs" title="stored with Git LFS" style="{_BADGE_STYLE}">LFS</span>'
        if entry.lfs
        else ""
    )
    size = human_bytes(entry.size) if entry.size is not None else ""
    return (
        f'<div style="{_ROW_STYLE}"><span class="hubflow-tree-name">{escape(entry.name)}</span> '
        f'<span class="hubflow-tree-size" style="color: gray">{size}</span>{badge}</div>'
    )


class _FolderNode:
    """A folder row: a toggle button and a box of child rows built on first expansion."""

    def __init__(self, tree: RepoTreeWidget, entry: _Entry) -> None:
        self.tree = tree
        self.entry = entry
        self.expanded = False
        self.loaded = False
        self.button = w.Button(
            description=self._caption(), layout=w.Layout(width="auto", align_self="flex-start")
        )
        self.button.add_class("hubflow-tree-folder")
        self.button.on_click(lambda _: self.toggle())
        self.children = w.VBox([], layout=w.Layout(padding="0 0 0 1.5em", display="none"))
        self.children.add_class("hubflow-tree-children")
        self.box = w.VBox([self.button, self.children])

    def _caption(self) -> str:
        return f"{'▾' if self.expanded else '▸'} {self.entry.name}/"

    def toggle(self) -> None:
        """Expand (listing the folder the first time) or collapse."""
        if not self.expanded and not self.loaded:
            self.children.children = self.tree._rows_for(self.entry.path, self)
        self.expanded = not self.expanded
        self.button.description = self._caption()
        self.children.layout.display = "flex" if self.expanded else "none"


class RepoTreeWidget(w.VBox):
    """A repo's files: folders as buttons that expand and collapse, files with size and LFS badge.

    Pass ``entries`` (a full or recursive listing) or ``fetch(path) -> entries`` (lazy:
    ``""`` lists the root; each folder is fetched once, when first expanded). A folder with
    more than ``page_size`` entries shows them a page at a time behind a "show more" button.

    ```python
    tree = RepoTreeWidget(entries=api.list_repo_tree("alice/data", recursive=True), title="alice/data")
    tree.folder("data").toggle()          # what a click does
    ```
    """

    def __init__(
        self,
        entries: Iterable[Any] | None = None,
        *,
        fetch: Fetch | None = None,
        title: str = "",
        page_size: int = 200,
    ) -> None:
        if (entries is None) == (fetch is None):
            raise TypeError("RepoTreeWidget needs exactly one of `entries` or `fetch`")
        if entries is not None:
            index = index_entries(entries)
            self._fetch: Fetch = lambda path: index.get(path, [])
        else:
            assert fetch is not None
            self._fetch = fetch
        self.page_size = page_size
        self.folders: dict[str, _FolderNode] = {}
        """Folder rows built so far, by path (folders inside unexpanded folders are not built)."""
        self.fetched: list[str] = []
        """Paths passed to ``fetch`` so far, in order."""
        header = w.HTML(f"<b>{escape(title)}</b>") if title else None
        self.root = w.VBox(self._rows_for("", None))
        self.root.add_class("hubflow-tree-root")
        super().__init__([header, self.root] if header is not None else [self.root])
        self.add_class("hubflow-tree")

    def folder(self, path: str) -> _FolderNode:
        """The row of an already built folder (e.g. to expand it from code).

        ```python
        tree.folder("data").toggle()
        ```
        """
        return self.folders[path.strip("/")]

    def _rows_for(self, path: str, owner: _FolderNode | None) -> tuple[w.Widget, ...]:
        self.fetched.append(path)
        try:
            entries = _sorted(_read(e) for e in self._fetch(path))
        except Exception as exc:  # shown in the tree; a later click retries
            error = w.HTML(
                f"could not list {escape(path or '/')}: {escape(type(exc).__name__)}: {escape(exc)}"
            )
            error.add_class("hubflow-tree-error")
            return (error,)
        if owner is not None:
            owner.loaded = True
        if not entries:
            empty = w.HTML("<i>empty</i>")
            empty.add_class("hubflow-tree-empty")
            return (empty,)
        return self._page(entries, 0)

    def _page(self, entries: list[_Entry], start: int) -> tuple[w.Widget, ...]:
        rows: list[w.Widget] = []
        for entry in entries[start : start + self.page_size]:
            if entry.is_dir:
                node = _FolderNode(self, entry)
                self.folders[entry.path] = node
                rows.append(node.box)
            else:
                row = w.HTML(_file_html(entry), layout=w.Layout(**_ROW_LAYOUT))
                row.add_class("hubflow-tree-file")
                rows.append(row)
        rest = len(entries) - start - self.page_size
        if rest > 0:
            more = w.Button(
                description=f"show more ({rest} left)", layout=w.Layout(width="auto", align_self="flex-start")
            )
            more.add_class("hubflow-tree-more")

            def show_more(_: w.Button, start: int = start + self.page_size) -> None:
                # Replace this button, in whichever box holds it, by the next page.
                for box in [self.root, *(f.children for f in self.folders.values())]:
                    if more in box.children:
                        kept = tuple(c for c in box.children if c is not more)
                        box.children = kept + self._page(entries, start)
                        more.close()
                        return

            more.on_click(show_more)
            rows.append(more)
        return tuple(rows)
