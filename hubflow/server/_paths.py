"""Validation of names and in-repo paths: everything that reaches the disk goes through here.

```python
assert clean_path("sub/file.txt") == "sub/file.txt"
clean_path("../etc/passwd")  # raises HubError(400)
```
"""

from __future__ import annotations

import re

from hubflow.server._errors import bad_request

_NAME = re.compile(r"^(?!.*(--|\.\.))[A-Za-z0-9_.\-]{1,96}$")
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
PREFIXES = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def check_name(name: str, what: str = "name") -> str:
    """A namespace or repo name: the Hub's rules (1-96 of ``[A-Za-z0-9_.-]``, no ``--``/``..``, no ``.git``)."""
    if not _NAME.match(name) or name.endswith(".git") or not name[0].isalnum() or not name[-1].isalnum():
        raise bad_request(f"Invalid {what}: {name!r}")
    return name


def clean_path(path: str, *, folder: bool = False) -> str:
    """Normalise a path in a repo and refuse anything that could escape it or touch git internals.

    A leading ``/`` or ``./`` is removed (as the client does); a trailing ``/`` only for folders.
    """
    original = path
    if "\x00" in path or "\\" in path:
        raise bad_request(f"Invalid path: {original!r}")
    if path.startswith("./"):
        path = path[2:]
    if path.startswith("/"):
        raise bad_request(f"Absolute paths are not allowed: {original!r}")
    if folder:
        path = path.rstrip("/")
    parts = path.split("/")  # list membership tests run in C: this runs for every file of a commit
    if not path or "" in parts or "." in parts or ".." in parts:
        raise bad_request(f"Invalid path: {original!r}")
    if ".git" in parts:
        raise bad_request(f"Paths may not contain a .git segment: {original!r}")
    if len(path.encode()) > 4096:
        raise bad_request("Path too long")
    return path
