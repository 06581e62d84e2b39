"""The examples in docs/ that claim to be tested are run here, so the docs stay true."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hubflow.testing import ALICE_WRITE, HubProcess

DOCS = Path(__file__).resolve().parent.parent / "docs"
_TESTED_BLOCK = re.compile(r"<!-- tested: [^>]*-->\s*```python\n(.*?)```", re.S)


def marked_blocks(page: str) -> list[str]:
    """The fenced Python blocks of ``docs/<page>`` marked ``<!-- tested: ... -->``."""
    return _TESTED_BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


def test_task_nodes_example_runs_against_a_local_hub(hub: HubProcess, tmp_path: Path) -> None:
    (block,) = marked_blocks("task-nodes.md")
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    env = dict(os.environ, HF_ENDPOINT=hub.endpoint, HF_TOKEN=ALICE_WRITE, HF_HUB_DISABLE_PROGRESS_BARS="1")
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=90, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    # the script asserts its own results (events, journal skip, content); check it reached the end
    assert re.fullmatch(r"uploaded commit [0-9a-f]{40}\n", done.stdout), done.stdout


def test_the_index_lists_every_docs_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    pages = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    assert pages - listed == set(), "add these pages to docs/index.md"
    assert listed - pages == set(), "docs/index.md links to missing pages"


def test_relative_links_in_readme_and_docs_resolve() -> None:
    broken = []
    for page in [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert broken == []
