"""Argument validation, before anything reaches the network: repo ids, paths, revisions, repo types.

Every failure is an ``HFValidationError`` that names the offending part.

``path_in_repo`` policy: hubflow **rejects** (it never silently rewrites) absolute paths (a
leading ``/``), empty segments (``a//b``, a trailing ``/``), ``.`` and ``..`` segments,
``.git`` and ``.cache`` segments (the git directory and huggingface_hub's local-dir metadata),
backslashes and NUL bytes. A path that survives is a clean POSIX relative path.

```python
validate_repo_id("alice/my-model")
validate_path_in_repo("weights/model.safetensors")
normalize_repo_type("datasets")  # "dataset"
```
"""

from __future__ import annotations

import re

from hubflow._constants import REPO_TYPES
from hubflow.errors import HFValidationError

__all__ = [
    "normalize_repo_type",
    "split_repo_type_prefix",
    "validate_path_in_repo",
    "validate_repo_id",
    "validate_revision",
]

# ASCII only: huggingface_hub compiles its regex with re.ASCII for the same reason.
_REPO_ID = re.compile(r"(\b[\w\-.]{1,96}\b/)?\b[\w\-.]{1,96}\b", re.ASCII)
_FORBIDDEN_SEGMENTS = {".", "..", ".git", ".cache"}
_REPO_TYPE_ALIASES = {
    "model": "model",
    "models": "model",
    "dataset": "dataset",
    "datasets": "dataset",
    "space": "space",
    "spaces": "space",
}


def validate_repo_id(repo_id: str) -> str:
    """Check a repo id (``name`` or ``namespace/name``) and return it unchanged.

    Rules (huggingface_hub's): at most one ``/``; each part 1-96 chars of ``[A-Za-z0-9_.-]``,
    starting and ending on a word character; no ``--`` or ``..``; no ``.git`` suffix.

    ```python
    validate_repo_id("alice/model")   # "alice/model"
    validate_repo_id("a/b/c")         # HFValidationError
    ```
    """
    if not isinstance(repo_id, str):
        raise HFValidationError(f"Repo id must be a string, not {type(repo_id).__name__}: '{repo_id}'.")
    if repo_id.count("/") > 1:
        raise HFValidationError(
            f"Repo id must be in the form 'repo_name' or 'namespace/repo_name': '{repo_id}'."
            " Use `repo_type` argument if needed."
        )
    if not _REPO_ID.fullmatch(repo_id):
        raise HFValidationError(
            "Repo id must use alphanumeric chars, '-', '_' or '.'. The name cannot start or end with '-' or '.'"
            f" and the maximum length is 96: '{repo_id}'."
        )
    if "--" in repo_id or ".." in repo_id:
        raise HFValidationError(f"Cannot have -- or .. in repo_id: '{repo_id}'.")
    if repo_id.endswith(".git"):
        raise HFValidationError(f"Repo_id cannot end by '.git': '{repo_id}'.")
    return repo_id


def validate_path_in_repo(path: str) -> str:
    """Check a path inside a repository (see the module docstring) and return it unchanged.

    ```python
    validate_path_in_repo("data/train.csv")  # "data/train.csv"
    validate_path_in_repo("../etc/passwd")   # HFValidationError: '..' segment
    ```
    """
    if not isinstance(path, str) or not path:
        raise HFValidationError(f"path_in_repo must be a non-empty string: {path!r}.")
    if "\x00" in path:
        raise HFValidationError(f"path_in_repo contains a NUL byte: {path!r}.")
    if "\\" in path:
        raise HFValidationError(f"path_in_repo must use '/' separators, found '\\' in {path!r}.")
    if path.startswith("/"):
        raise HFValidationError(f"path_in_repo must be relative to the repo root, not absolute: {path!r}.")
    segments = path.split("/")
    if "" not in segments and _FORBIDDEN_SEGMENTS.isdisjoint(segments):  # the common case, tested in C
        return path
    for index, segment in enumerate(segments):  # name the first bad segment
        if segment == "":
            raise HFValidationError(f"path_in_repo has an empty segment at position {index}: {path!r}.")
        if segment in _FORBIDDEN_SEGMENTS:
            raise HFValidationError(f"path_in_repo has a forbidden {segment!r} segment: {path!r}.")
    return path


def validate_revision(revision: str) -> str:
    """Check a revision (branch, tag, commit sha, ``refs/pr/N``) and return it unchanged.

    ```python
    validate_revision("refs/pr/1")  # "refs/pr/1"
    validate_revision("")           # HFValidationError
    ```
    """
    if not isinstance(revision, str) or not revision.strip():
        raise HFValidationError(f"revision must be a non-empty string: {revision!r}.")
    if "\x00" in revision or any(ord(ch) < 32 for ch in revision):
        raise HFValidationError(f"revision contains control characters: {revision!r}.")
    if ".." in revision.split("/"):
        raise HFValidationError(f"revision has a '..' segment: {revision!r}.")
    return revision


def normalize_repo_type(repo_type: str | None) -> str:
    """``None``/plural/any case → ``"model"``, ``"dataset"`` or ``"space"``.

    ```python
    normalize_repo_type(None)        # "model"
    normalize_repo_type("Datasets")  # "dataset"
    ```
    """
    if repo_type is None:
        return "model"
    normalized = _REPO_TYPE_ALIASES.get(repo_type.strip().lower())
    if normalized is None:
        raise HFValidationError(f"Invalid repo type {repo_type!r}: must be one of {', '.join(REPO_TYPES)}.")
    return normalized


def split_repo_type_prefix(repo_id: str, repo_type: str | None = None) -> tuple[str, str]:
    """Accept ``datasets/alice/x`` style ids: return ``(repo_id, repo_type)``.

    A prefix that contradicts an explicit ``repo_type`` is an error.

    ```python
    split_repo_type_prefix("spaces/alice/demo")  # ("alice/demo", "space")
    ```
    """
    head, sep, rest = repo_id.partition("/")
    if sep and rest.count("/") == 1 and head in _REPO_TYPE_ALIASES:
        prefixed = _REPO_TYPE_ALIASES[head]
        if repo_type is not None and normalize_repo_type(repo_type) != prefixed:
            raise HFValidationError(f"repo_id {repo_id!r} has a {head!r} prefix but repo_type={repo_type!r}.")
        return validate_repo_id(rest), prefixed
    return validate_repo_id(repo_id), normalize_repo_type(repo_type)
