"""The IPython extension, the view-factory hook, attach/detach, and optional-UI isolation."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

import jupyter_ext
from hubflow._events import EventSink, NodeFinished, NodeStarted


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    yield shell
    if "jupyter_ext" in shell.extension_manager.loaded:
        shell.extension_manager.unload_extension("jupyter_ext")
    jupyter_ext.set_view_factory(None)


def test_load_and_unload_extension(shell: InteractiveShell) -> None:
    jupyter_ext.set_view_factory(None)
    shell.run_line_magic("load_ext", "jupyter_ext")
    assert "jupyter_ext" in shell.extension_manager.loaded
    factory = jupyter_ext.get_view_factory()
    assert factory is jupyter_ext.progress_factory
    view = factory()
    assert isinstance(view, jupyter_ext.ProgressWidget)
    view(NodeStarted(key="k", kind="HashFile", label="f", resource="hash", total_bytes=3))
    view(NodeFinished(key="k", kind="HashFile"))
    view.finish()
    assert view.overall_bar.value == 3

    shell.run_line_magic("unload_ext", "jupyter_ext")
    assert "jupyter_ext" not in shell.extension_manager.loaded
    assert jupyter_ext.get_view_factory() is None


def test_unload_restores_a_previous_factory(shell: InteractiveShell) -> None:
    def mine() -> EventSink:
        return jupyter_ext.ProgressWidget(max_rows=1)

    jupyter_ext.set_view_factory(mine)
    shell.run_line_magic("load_ext", "jupyter_ext")
    assert jupyter_ext.get_view_factory() is jupyter_ext.progress_factory
    shell.run_line_magic("unload_ext", "jupyter_ext")
    assert jupyter_ext.get_view_factory() is mine


def test_registers_with_hubflow_progress_hook_when_offered(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-in for hubflow.progress offering the hook the lead is asked to add (see docs/jupyter.md).
    registry: dict[str, object] = {"factory": "tqdm-default"}
    module = types.ModuleType("hubflow.progress")
    module.set_view_factory = lambda f: registry.__setitem__("factory", f)  # type: ignore[attr-defined]
    module.get_view_factory = lambda: registry["factory"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hubflow.progress", module)

    shell.run_line_magic("load_ext", "jupyter_ext")
    assert registry["factory"] is jupyter_ext.progress_factory
    shell.run_line_magic("unload_ext", "jupyter_ext")
    assert registry["factory"] == "tqdm-default"


def test_attach_and_detach() -> None:
    sinks: list[EventSink] = []
    widget = jupyter_ext.attach(sinks)
    assert sinks == [widget.on_event]
    for sink in sinks:
        sink(NodeStarted(key="k", kind="UploadLfsObject", label="f", resource="transfer", total_bytes=9))
    jupyter_ext.detach(sinks, widget)
    assert sinks == []
    assert widget.overall_bar.max == 9


def test_core_does_not_import_ipywidgets() -> None:
    code = "import sys, hubflow, hubflow._events; assert 'ipywidgets' not in sys.modules, 'core imported ipywidgets'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_missing_ipywidgets_gives_a_friendly_error() -> None:
    code = (
        "import sys; sys.modules['ipywidgets'] = None\n"
        "try:\n    import jupyter_ext\nexcept ImportError as e:\n    print(e)\nelse:\n    raise SystemExit('imported')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    assert "pip install ipywidgets" in out.stdout
    assert "ipywidgets" in out.stdout
