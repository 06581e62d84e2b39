"""Argument validation: repo ids (huggingface_hub's rules), path_in_repo policy, revisions, repo types."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubflow._validation import (
    normalize_repo_type,
    split_repo_type_prefix,
    validate_path_in_repo,
    validate_repo_id,
    validate_revision,
)
from hubflow.errors import HFValidationError


@pytest.mark.parametrize("repo_id", ["foo", "foo/bar", "123", "Foo-BAR_foo.bar123", "a/" + "b" * 96])
def test_valid_repo_ids(repo_id: str) -> None:
    assert validate_repo_id(repo_id) == repo_id


@pytest.mark.parametrize(
    "repo_id",
    ["datasets/foo/bar", ".repo_id", "foo--bar", "foo..bar", "foo.git", "-foo", "a/" + "b" * 97, "", "héllo", "a b"],
)
def test_invalid_repo_ids(repo_id: str) -> None:
    with pytest.raises(HFValidationError):
        validate_repo_id(repo_id)


@pytest.mark.parametrize("path", ["a.txt", "dir/sub/file.bin", ".gitattributes", "a/.hidden", "x..y"])
def test_valid_paths(path: str) -> None:
    assert validate_path_in_repo(path) == path


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/etc/passwd", "absolute"),
        ("../up", "'..'"),
        ("a/./b", "'.'"),
        ("a//b", "empty segment"),
        ("dir/", "empty segment"),
        (".git/config", "'.git'"),
        ("x/.cache/huggingface", "'.cache'"),
        ("a\x00b", "NUL"),
        ("a\\b", "'\\\\'"),
        ("", "non-empty"),
    ],
)
def test_rejected_paths_name_the_problem(path: str, named: str) -> None:
    with pytest.raises(HFValidationError, match=named):
        validate_path_in_repo(path)


def test_revisions() -> None:
    assert validate_revision("refs/pr/1") == "refs/pr/1"
    for bad in ["", "  ", "a/../b", "main\n"]:
        with pytest.raises(HFValidationError):
            validate_revision(bad)


def test_repo_types() -> None:
    assert normalize_repo_type(None) == "model"
    assert normalize_repo_type("Datasets") == "dataset"
    assert normalize_repo_type("spaces") == "space"
    with pytest.raises(HFValidationError, match="Invalid repo type"):
        normalize_repo_type("bucket")
    assert split_repo_type_prefix("spaces/alice/demo") == ("alice/demo", "space")
    assert split_repo_type_prefix("alice/demo", "dataset") == ("alice/demo", "dataset")
    with pytest.raises(HFValidationError, match="prefix"):
        split_repo_type_prefix("datasets/alice/x", "model")


def test_an_addition_made_from_a_folder_listing_equals_one_made_by_hand(tmp_path: Path) -> None:
    # upload_folder's fast constructor: same fields and defaults as CommitOperationAdd(...), path still checked.
    from hubflow._operations import CommitOperationAdd
    from hubflow.tasks.hashing import file_source, listed_source

    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    listed = CommitOperationAdd._of_listed_file("dir/a.txt", listed_source(str(path)))
    assert listed == CommitOperationAdd(path_in_repo="dir/a.txt", path_or_fileobj=str(path))
    assert (listed.upload_info, listed._is_uploaded, listed._is_committed) == (None, False, False)
    assert listed._source == file_source(path)
    with pytest.raises(HFValidationError, match=r"'\.\.' segment"):
        CommitOperationAdd._of_listed_file("../a.txt", listed_source(str(path)))
