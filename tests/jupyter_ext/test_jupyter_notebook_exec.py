"""Execute ``notebooks/quickstart.ipynb`` headless (nbclient + ipykernel) against a real local Hub.

Proves the notebook's code runs top to bottom against the real facade and that the three
widgets were created with their final values (nbclient stores the widget state in the
notebook's metadata). It does not prove JavaScript renders them: that is
``scripts/check_jupyter_browser.py`` (a real JupyterLab in Chromium).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbclient  # the test extra: pip install -e '.[test]'
import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
KERNEL = "hubflow-test-python"


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kernelspec running this interpreter (the venv with hubflow), and a private TMPDIR.

    The notebook makes its work dir with ``tempfile``, so TMPDIR puts the local Hub's data
    under ``tmp_path``: afterwards no process may still name that directory.
    """
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)  # the widget is a progress view
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))
    return work


def _outputs(cell: Any) -> list[dict[str, Any]]:
    return [dict(o) for o in cell.get("outputs", [])]


def _text(cell: Any) -> str:
    parts = []
    for out in _outputs(cell):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _processes_naming(needle: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # exited meanwhile
            continue
        if needle in cmdline:
            found.append(f"{proc.name}: {cmdline}")
    return found


def _refuses(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return False
    except OSError:
        return True


@pytest.mark.timeout(90)
def test_quickstart_notebook_executes_and_creates_the_widgets(kernel_env: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )

    started = time.monotonic()
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=60, startup_timeout=30, store_widget_state=True,
        resources={"metadata": {"path": str(kernel_env)}},
    )  # fmt: skip
    client.execute()  # raises CellExecutionError (with the traceback) if any cell fails
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the notebook took {elapsed:.0f}s"

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in _outputs(c) if o["output_type"] == "error"]
    assert not errors
    stderr = "".join(o["text"] for c in code for o in _outputs(c) if o.get("name") == "stderr")
    assert "Traceback" not in stderr and "Error" not in stderr, stderr

    # Each widget is displayed in the cell that made it (the upload's widget comes from the
    # executor's thread through the %load_ext view factory and must land in the upload cell).
    state = nb.metadata["widgets"][STATE]["state"]

    def views(cell: Any) -> list[dict[str, Any]]:
        ids = [o["data"][VIEW]["model_id"] for o in _outputs(cell) if VIEW in o.get("data", {})]
        return [state[i]["state"] for i in ids]

    def classes(model: dict[str, Any]) -> list[str]:
        return list(model.get("_dom_classes", []))

    def find(cls: str) -> list[dict[str, Any]]:
        return [m["state"] for m in state.values() if cls in m["state"].get("_dom_classes", [])]

    by_source = {c.source.split("\n")[0]: c for c in code}
    upload = next(c for first, c in by_source.items() if first.startswith("%load_ext jupyter_ext"))
    assert [classes(m) for m in views(upload)] == [["hubflow-progress"]]
    [bar] = find("hubflow-progress-bar")
    assert bar["max"] > 12_000_000 and bar["value"] == bar["max"] and bar["bar_style"] == "success"
    assert bar["description"] == "Upload"  # the facade titles the default view by what the run does
    [status] = find("hubflow-progress-status")
    done, total = status["value"].split(" done")[0].split("/")  # "N/N done · ..."
    assert done == total and int(total) >= 5, status["value"]  # hashes (batched), preupload, LFS, commit
    [byte_label] = find("hubflow-progress-bytes")
    # Every file hashed, weights.bin uploaded through LFS; the commit's inline bytes (no size
    # announced) must not push "done" past the total.
    sent, announced = byte_label["value"].split(" / ")
    assert sent == announced and announced.startswith("24."), byte_label["value"]

    tree_cell = next(c for c in code if "RepoTreeWidget(" in c.source)
    assert [classes(m) for m in views(tree_cell)] == [["hubflow-tree"]]
    folders = sorted(m["description"] for m in find("hubflow-tree-folder"))
    assert folders == ["▸ texts/"]
    files = " ".join(m["value"] for m in find("hubflow-tree-file"))
    for name in ("README.md", "config.json", "weights.bin", ".gitattributes"):
        assert f">{name}<" in files
    assert len(find("hubflow-tree-file")) == 4
    assert "hubflow-tree-lfs" in next(
        m["value"] for m in find("hubflow-tree-file") if ">weights.bin<" in m["value"]
    )

    download = next(c for c in code if "snapshot_download" in c.source)
    assert "verified: 53 files, " in _text(download)

    job_cell = next(c for c in code if "JobMetricsWidget(" in c.source)
    assert [classes(m) for m in views(job_cell)] == [["hubflow-metrics"]]
    [chart] = find("hubflow-metrics-chart")
    cpu = chart["value"].split('class="hubflow-metrics-cpu"')[1].split('points="')[1].split('"')[0]
    assert len(cpu.split()) >= 3  # about one sample a second for ~5 s
    [values] = find("hubflow-metrics-values")
    assert "CPU" in values["value"] and "memory" in values["value"]
    assert "job COMPLETED: done, " in _text(job_cell)

    # Nothing left running: the notebook stopped its Hub, nbclient its kernel.
    first = _text(code[0])
    endpoint = first.split("'")[-2]
    assert endpoint.startswith("http://127.0.0.1:")
    assert _refuses(endpoint)
    assert _processes_naming(str(kernel_env)) == []
