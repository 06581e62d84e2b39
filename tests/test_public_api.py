"""``hubflow.__all__``: sorted, every name resolves, and every public name of the re-exported modules is listed."""

from __future__ import annotations

import hubflow
import hubflow.errors


def test_all_is_sorted_and_unique() -> None:
    assert hubflow.__all__ == sorted(hubflow.__all__)
    assert len(set(hubflow.__all__)) == len(hubflow.__all__)


def test_every_name_resolves() -> None:
    for name in hubflow.__all__:
        assert getattr(hubflow, name) is not None, name


def test_public_names_are_exported() -> None:
    # Names defined at the top level that look public must be in __all__ (robust to later additions).
    defined = {name for name in vars(hubflow) if not name.startswith("_")}
    modules = {name for name in defined if type(getattr(hubflow, name)).__name__ == "module"}
    assert defined - modules - {"annotations"} == set(hubflow.__all__)


def test_every_error_class_is_exported() -> None:
    for name in hubflow.errors.__all__:
        if isinstance(getattr(hubflow.errors, name), type):
            assert name in hubflow.__all__, name
            assert getattr(hubflow, name) is getattr(hubflow.errors, name)


def test_facade_and_nodes() -> None:
    assert issubclass(hubflow.RepositoryNotFoundError, hubflow.HfHubHTTPError)
    assert issubclass(hubflow.HfHubHTTPError, hubflow.HubflowError)
    assert callable(hubflow.HfApi.whoami) and callable(hubflow.run)
