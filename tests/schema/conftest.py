"""Helpers for the schema tests: compare a hubflow object with huggingface_hub's."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pytest


def assert_same(ours: Any, theirs: Any, path: str = "obj", ignore: frozenset[str] = frozenset()) -> None:
    """Every public attribute huggingface_hub exposes exists on ours with an equal value.

    Attribute names in `ignore` are only checked for presence (documented approximations).
    """
    if path.rsplit(".", 1)[-1] in ignore:
        return
    if dataclasses.is_dataclass(theirs) and not isinstance(theirs, type):
        for f in dataclasses.fields(theirs):
            if f.name.startswith("_") or not hasattr(theirs, f.name):
                continue
            assert hasattr(ours, f.name), f"{path}.{f.name} missing on {type(ours).__name__}"
            assert_same(getattr(ours, f.name), getattr(theirs, f.name), f"{path}.{f.name}", ignore)
    elif hasattr(theirs, "to_dict") and type(theirs).__name__.endswith("CardData"):
        assert ours == theirs.to_dict(), path
    elif isinstance(theirs, datetime):
        assert isinstance(ours, datetime), f"{path}: {ours!r} is not a datetime"
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"
    elif isinstance(theirs, enum.Enum):
        assert ours == theirs.value, path
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{path}: {ours!r} is not a list"
        assert len(ours) == len(theirs), f"{path}: lengths {len(ours)} != {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{path}[{i}]", ignore)
    elif isinstance(theirs, dict) and isinstance(ours, dict):
        assert ours.keys() == theirs.keys(), f"{path}: keys {sorted(ours)} != {sorted(theirs)}"
        for key, value in theirs.items():
            assert_same(ours[key], value, f"{path}[{key!r}]", ignore)
    elif isinstance(theirs, dict):
        for key, value in theirs.items():
            assert_same(getattr(ours, key), value, f"{path}.{key}", ignore)
    else:
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"


def check_compatible(ours: Any, theirs: Any, extra: Iterable[str] = (), ignore: Iterable[str] = ()) -> None:
    """`assert_same`, plus instance attributes (legacy aliases) named in `extra`."""
    assert_same(ours, theirs, type(theirs).__name__, frozenset(ignore))
    for name in extra:
        assert hasattr(theirs, name), f"official object has no {name}: fix the test"
        assert_same(getattr(ours, name), getattr(theirs, name), f"{type(theirs).__name__}.{name}")


@pytest.fixture
def compatible() -> Callable[..., None]:
    """The `check_compatible` helper, as a fixture."""
    return check_compatible
