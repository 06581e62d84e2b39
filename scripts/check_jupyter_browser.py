"""Manual check: render the jupyter_ext widgets in a real JupyterLab, headless Chromium.

Runs two notebooks: the real ``notebooks/quickstart.ipynb`` (a local Hub, an upload, the
repo tree, a download, a job's metrics) and a synthetic one (a retry and a failure, a lazy
tree, 40 metrics samples). Not part of pytest/CI (it needs a browser and ~2 minutes of
installs; ``tests/jupyter_ext/test_jupyter_notebook_exec.py`` runs the quickstart headless). Follows
/work/shared/testing-jupyter.md: Debian's chromium, and jupyterlab + playwright + nbclient +
ipykernel in a SEPARATE venv (never the project's .venv, never pyproject). The kernel reaches
hubflow and its dependencies through a ``.pth`` file appended to that venv's path.

```
python scripts/check_jupyter_browser.py --install       # first time: apt + pip (~2 min)
python scripts/check_jupyter_browser.py                  # ~40 s; screenshots in --out
```
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT_SITE = Path(
    sysconfig.get_paths(vars={"base": str(ROOT / ".venv"), "platbase": str(ROOT / ".venv")})["purelib"]
)
CHROMIUM = "/usr/bin/chromium"
QUICKSTART = ROOT / "notebooks" / "quickstart.ipynb"
ERROR_TEXTS = ("Error displaying widget", "Loading widget", "Model not found", "Traceback")

NOTEBOOK_CELLS = [
    # 1: progress, driven by synthetic events (a retry, a failure, then everything else finishes)
    """import jupyter_ext
from hubflow._events import NodeFailed, NodeFinished, NodeProgress, NodeRetrying, NodeStarted

progress = jupyter_ext.ProgressWidget(description="Upload")
display(progress)
for i in range(200):
    key = f"f{i}"
    progress.on_event(NodeStarted(key=key, kind="UploadLfsObject", label=f"part-{i:03d}.bin",
                                  resource="transfer", total_bytes=1000))
    if i == 3:
        progress.on_event(NodeRetrying(key=key, kind="UploadLfsObject", attempt=1, delay=0.1, error="HTTP 503"))
    for done in (250, 500, 750, 1000):
        progress.on_event(NodeProgress(key=key, kind="UploadLfsObject", delta_bytes=250, done_bytes=done))
    progress.on_event(NodeFinished(key=key, kind="UploadLfsObject"))
progress.on_event(NodeStarted(key="bad", kind="HashFile", label="vanished.txt", resource="hash", total_bytes=None))
progress.on_event(NodeFailed(key="bad", kind="HashFile", error="file vanished during upload",
                             error_type="FileNotFoundError"))
progress.finish()
print("progress renders:", progress.renders)""",
    # 2: a lazy tree
    """from types import SimpleNamespace as NS

LISTING = {
    "": [NS(path="data", tree_id="t1"), NS(path="README.md", size=1200, blob_id="b1", lfs=None),
         NS(path="model.safetensors", size=5_000_000_000, blob_id="b2", lfs=NS(size=5_000_000_000, sha256="ab"))],
    "data": [NS(path=f"data/shard-{i}.parquet", size=2_500_000, blob_id=f"s{i}", lfs=NS(size=1, sha256="c"))
             for i in range(3)],
}
fetched = []
def fetch(path):
    fetched.append(path)
    return LISTING[path]
tree = jupyter_ext.RepoTreeWidget(fetch=fetch, title="alice/demo")
tree""",
    # 3: metrics
    """metrics = jupyter_ext.JobMetricsWidget(capacity=60)
for i in range(40):
    metrics.push({"cpu_usage_pct": 50 + 40 * ((i % 10) / 10), "memory_used_bytes": 4e9 + i * 5e7,
                  "memory_total_bytes": 16e9, "rx_bps": 1e6 * (i % 7), "tx_bps": 2e5 * (i % 5),
                  "gpus": {"0": {"utilization": 30 + i, "memory_used_bytes": 1, "memory_total_bytes": 2}},
                  "replica": "r-1"})
metrics.finish()
metrics""",
]


def install(venv: Path) -> None:
    """apt chromium + a separate venv with jupyterlab, playwright, nbclient, ipykernel."""
    if not Path(CHROMIUM).exists():
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=True)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "jupyterlab", "ipywidgets", "playwright", "nbclient", "ipykernel"], check=True)


def prepare(venv: Path) -> None:
    """Let the venv's kernel import hubflow (appended after its own packages) and mute the news toast."""
    site = Path(
        subprocess.check_output(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (site / "hubflow-checkout.pth").write_text(f"{ROOT}\n{PROJECT_SITE}\n")
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(
        json.dumps(
            {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
        )
    )


def write_notebook(path: Path) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        for i, src in enumerate(NOTEBOOK_CELLS)
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(venv: Path, work: Path, port: int, token: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    for name in ("cfg", "rt", "ls", "ws"):
        (work / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(work / "cfg"),
        JUPYTER_RUNTIME_DIR=str(work / "rt"),
        JUPYTERLAB_SETTINGS_DIR=str(work / "ls"),
        JUPYTERLAB_WORKSPACES_DIR=str(work / "ws"),
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
    )
    env.pop("VIRTUAL_ENV", None)
    log = open(work / "lab.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [str(venv / "bin" / "jupyter"), "lab", "--allow-root", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'nb'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"jupyter lab did not start; see {work / 'lab.log'}")


def drive(port: int, token: str, out: Path) -> list[str]:
    """Open each notebook, run all cells, assert on the widgets' DOM; returns problems found."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        for name, check in (("quickstart.ipynb", check_quickstart), ("check.ipynb", check_synthetic)):
            run_all(page, port, token, name)
            found = [f"{name}: {p}" for p in check(page)]
            text = page.text_content(".jp-Notebook") or ""
            found += [f"{name}: page shows {bad!r}" for bad in ERROR_TEXTS if bad in text]
            shot = out / f"{name.removesuffix('.ipynb')}.png"
            page.screenshot(path=str(shot))
            for widget in ("progress", "tree", "metrics"):  # each widget on its own, at full size
                locator = page.locator(f".hubflow-{widget}").first
                locator.scroll_into_view_if_needed()
                locator.screenshot(path=str(out / f"{name.removesuffix('.ipynb')}-{widget}.png"))
            problems += found
        browser.close()
    problems.extend(f"console: {e}" for e in console_errors if "favicon" not in e)
    return problems


def run_all(page: Any, port: int, token: str, name: str) -> None:
    """Open ``name`` in a fresh Lab layout and run every cell from the Run menu."""
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # The kernel must be named and idle, or "Run All" does nothing (testing-jupyter.md, pitfall 3).
    page.wait_for_function(
        """() => {
            const name = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName');
            const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
            return name && /Python/.test(name.textContent) && ind && ind.getAttribute('data-status') === 'idle';
        }""",
        timeout=60_000,
    )
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    # Done when no cell is queued or running ("[*]") and the last cell has a number.
    page.wait_for_function(
        r"""() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\[\d+\]/.test(p.textContent));
        }""",
        timeout=120_000,
    )


def check_quickstart(page: Any) -> list[str]:
    """The real notebook: upload finished at 100 %, tree rows and a folder click, job metrics drawn.

    Text is read with ``text_content``: JupyterLab renders off-screen cells with
    ``content-visibility: auto``, and ``innerText`` of skipped content is empty.
    """
    problems = []
    width = page.eval_on_selector(".hubflow-progress-overall .progress-bar", "e => e.style.width")
    if width != "100%":
        problems.append(f"overall bar width is {width!r}, expected 100%")
    status = page.locator(".hubflow-progress-status").text_content() or ""
    done, _, rest = status.partition(" done")
    if not rest or len(set(done.split("/"))) != 1:
        problems.append(f"status label: {status!r}")
    sent, _, total = (page.locator(".hubflow-progress-bytes").text_content() or "").partition(" / ")
    if sent != total:
        problems.append(f"bytes label: {sent!r} / {total!r}")

    files = page.locator(".hubflow-tree-file")
    if files.count() != 4 or page.locator(".hubflow-tree-lfs").count() != 1:
        problems.append(f"tree root: {files.all_text_contents()!r}")
    page.click(".hubflow-tree-folder:has-text('texts/')")  # a round trip through the kernel
    page.wait_for_function(
        "() => document.querySelectorAll('.hubflow-tree-folder').length === 3", timeout=30_000
    )
    page.click(".hubflow-tree-folder:has-text('test/')")
    try:
        page.wait_for_function(
            "() => document.querySelectorAll('.hubflow-tree-file').length === 14", timeout=30_000
        )
    except Exception:  # a timeout: report it, keep checking the rest
        problems.append(f"after expanding texts/test/: {files.count()} file rows, expected 14")

    points = page.eval_on_selector("polyline.hubflow-metrics-cpu", "e => e.getAttribute('points')")
    if len(points.split()) < 3:
        problems.append(f"cpu polyline has {len(points.split())} points, expected >= 3")
    values = page.locator(".hubflow-metrics-values").text_content() or ""
    if "CPU" not in values or "memory" not in values:
        problems.append(f"metrics values: {values!r}")
    text = page.text_content(".jp-Notebook") or ""
    for expected in ("verified: 53 files", "job COMPLETED"):
        if expected not in text:
            outputs = page.locator(".jp-OutputArea-output").all_text_contents()
            problems.append(f"missing output {expected!r}; outputs: {[o[:120] for o in outputs]!r}")
    return problems


def check_synthetic(page: Any) -> list[str]:
    """Synthetic events: a failure row, a lazy folder fetched on click, a 40-point polyline."""
    problems = []
    page.wait_for_selector(".hubflow-metrics polyline.hubflow-metrics-cpu", timeout=60_000)
    width = page.eval_on_selector(".hubflow-progress-overall .progress-bar", "e => e.style.width")
    if width != "100%":
        problems.append(f"overall bar width is {width!r}, expected 100%")
    failed = page.locator(".hubflow-progress-failed").all_text_contents()
    if len(failed) != 1 or "file vanished" not in failed[0]:
        problems.append(f"failure rows: {failed!r}")
    status = page.locator(".hubflow-progress-status").text_content() or ""
    if "200/201 done" not in status:
        problems.append(f"status label: {status!r}")

    files_before = page.locator(".hubflow-tree-file").count()
    page.click(".hubflow-tree-folder:has-text('data/')")
    page.wait_for_function(
        f"() => document.querySelectorAll('.hubflow-tree-file').length === {files_before + 3}",
        timeout=30_000,
    )
    if page.locator(".hubflow-tree-lfs").count() < 4:
        problems.append("LFS badges missing")
    points = page.eval_on_selector("polyline.hubflow-metrics-cpu", "e => e.getAttribute('points')")
    if len(points.split()) != 40:
        problems.append(f"cpu polyline has {len(points.split())} points, expected 40")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/jlab-venv"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/hubflow-jlab-check"))
    parser.add_argument("--install", action="store_true", help="apt-get chromium and pip install into --venv")
    args = parser.parse_args()
    if args.install:
        install(args.venv)
    if args.venv.resolve() == (ROOT / ".venv").resolve():
        parser.error("use a separate venv, not the project's .venv")
    prepare(args.venv)
    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "nb").mkdir(parents=True)
    write_notebook(args.out / "nb" / "check.ipynb")
    shutil.copy(QUICKSTART, args.out / "nb" / "quickstart.ipynb")  # Lab saves into its copy
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(args.venv, args.out, port, token)
    try:
        sys.path.insert(0, str(next((args.venv / "lib").glob("python3*/site-packages"))))
        problems = drive(port, token, args.out)
    finally:
        lab.terminate()
        try:
            lab.wait(15)
        except subprocess.TimeoutExpired:
            lab.kill()
    for problem in problems:
        print("PROBLEM:", problem)
    print("screenshots:", *sorted(str(p) for p in args.out.glob("*.png")))
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
