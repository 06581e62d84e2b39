"""Every public name has a docstring, and every public class, function and facade method an example.

"Public" is ``hubflow.__all__`` plus the public methods of ``HfApi`` and ``AsyncHfApi``. An example
is a fenced code block or a ``>>>`` line in the object's *own* docstring. New public names must
come with one; ``WITHOUT_EXAMPLE`` (empty since every name got one) is the escape hatch, and may only
shrink (a test fails when a listed name gains an example, so the entry gets removed).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

import hubflow

# Names still lacking an example. Do not add to this list: write the example instead.
WITHOUT_EXAMPLE: frozenset[str] = frozenset()


def has_example(doc: str | None) -> bool:
    return doc is not None and ("```" in doc or ">>>" in doc)


def own_doc(obj: Any) -> str | None:
    """The object's own docstring: a class without one would otherwise show nothing useful."""
    doc = obj.__doc__
    return doc.strip() if isinstance(doc, str) and doc.strip() else None


def documentable_names() -> Iterator[tuple[str, Any]]:
    # Type aliases (``CommitOperation = A | B | C``) cannot carry a docstring of their own.
    for name in hubflow.__all__:
        obj = getattr(hubflow, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield name, obj


def facade_methods() -> Iterator[tuple[str, Any]]:
    for cls in (hubflow.HfApi, hubflow.AsyncHfApi):
        for name, member in inspect.getmembers(cls):
            if not name.startswith("_") and callable(member) and not inspect.isclass(member):
                yield f"{cls.__name__}.{name}", member


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for name, obj in documentable_names() if own_doc(obj) is None]
    assert missing == []


def test_public_classes_and_functions_have_an_example() -> None:
    missing = sorted(
        name for name, obj in documentable_names() if not has_example(own_doc(obj)) and name not in WITHOUT_EXAMPLE
    )
    assert missing == [], f"add a short example (```python ... ``` or >>>) to: {missing}"


def test_every_facade_method_has_a_docstring_with_an_example() -> None:
    missing = sorted(name for name, method in facade_methods() if not has_example(own_doc(method)))
    assert missing == [], f"add a docstring with a short example to: {missing}"


def test_the_allow_list_only_shrinks() -> None:
    documented = dict(documentable_names())
    stale = sorted(name for name in WITHOUT_EXAMPLE if name not in documented or has_example(own_doc(documented[name])))
    assert stale == [], f"remove from WITHOUT_EXAMPLE (gone, or now has an example): {stale}"


@pytest.mark.parametrize(("doc", "expected"), [
    ("Summary.\n\n```python\nf()\n```", True),
    ("Summary.\n\n>>> f()", True),
    ("Summary only.", False),
    (None, False),
])
def test_has_example_recognises_fenced_blocks_and_doctests(doc: str | None, expected: bool) -> None:
    assert has_example(doc) is expected
