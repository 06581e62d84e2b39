"""Read-only git smart HTTP, exercised with the system `git` against a real uvicorn server."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.repo import Repo
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from hubflow.server._git_http import git_http_routes

LFS_POINTER = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 12345\n"
)


def _tree(repo: Repo, files: dict[str, bytes]) -> bytes:
    """Write blobs and nested trees for `files`; return the root tree id."""
    subdirs: dict[str, dict[str, bytes]] = {}
    tree = Tree()
    for path, data in files.items():
        head, _, rest = path.partition("/")
        if rest:
            subdirs.setdefault(head, {})[rest] = data
        else:
            blob = Blob.from_string(data)
            repo.object_store.add_object(blob)
            tree.add(head.encode(), 0o100644, blob.id)
    for name, sub in subdirs.items():
        tree.add(name.encode(), 0o040000, _tree(repo, sub))
    repo.object_store.add_object(tree)
    return tree.id


def _commit(repo: Repo, files: dict[str, bytes], message: str, parents: list[bytes]) -> bytes:
    commit = Commit()
    commit.tree = _tree(repo, files)
    commit.parents = parents
    commit.author = commit.committer = b"alice <alice@hub.local>"
    commit.author_time = commit.commit_time = 1_700_000_000 + len(parents)
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = message.encode()
    repo.object_store.add_object(commit)
    return commit.id


FILES_V1 = {
    ".gitattributes": b"*.bin filter=lfs diff=lfs merge=lfs -text\n",
    "README.md": b"# demo\n",
}
FILES_V2 = {
    **FILES_V1,
    "src/pkg/mod.py": b"print('hi')\n",
    "src/pkg/data/table.csv": b"a,b\n1,2\n",
    "weights/model.bin": LFS_POINTER,
    "weights/raw.dat": random.Random(0).randbytes(300_000),  # incompressible: several chunks
}


@dataclass
class Served:
    base: str
    root: Path
    repo_path: Path
    head: str
    located: list[tuple[str, str]]


def _make_repo(path: Path) -> tuple[Repo, bytes]:
    path.mkdir(parents=True)
    repo = Repo.init_bare(str(path))
    first = _commit(repo, FILES_V1, "initial commit", [])
    second = _commit(repo, FILES_V2, "add code and weights", [first])
    repo.refs[b"refs/heads/main"] = second
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
    repo.refs[b"refs/heads/dev"] = first
    repo.refs[b"refs/pr/1"] = first
    repo.refs[b"refs/internal/secret"] = first  # never advertised
    tag = Tag()
    tag.tagger = b"alice <alice@hub.local>"
    tag.tag_time, tag.tag_timezone = 1_700_000_100, 0
    tag.name, tag.message = b"v1.0", b"release\n"
    tag.object = (Commit, second)
    repo.object_store.add_object(tag)
    repo.refs[b"refs/tags/v1.0"] = tag.id
    return repo, second


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if shutil.which("git") is None:
        pytest.fail("the system git is required for these tests")
    root = tmp_path / "data"
    repo_path = root / "repos" / "models" / "alice" / "demo.git"
    repo, head = _make_repo(repo_path)
    repo.close()
    shutil.copytree(repo_path, root / "repos" / "datasets" / "alice" / "table.git")
    located: list[tuple[str, str]] = []

    async def locate(request: Request, repo_type: str, repo_id: str) -> Path:
        located.append((repo_type, repo_id))
        if repo_id == "alice/private":
            raise HTTPException(401, "Invalid credentials", headers={"WWW-Authenticate": 'Basic realm="hub"'})
        path = root / "repos" / f"{repo_type}s" / f"{repo_id}.git"
        if not path.is_dir():
            raise HTTPException(404, f"Repository not found: {repo_id}")
        return path

    app = Starlette(routes=git_http_routes(locate))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", root, repo_path, head.decode(), located)
    finally:
        server.should_exit = True
        thread.join(10)


def _git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _files(worktree: Path) -> dict[str, bytes]:
    return {
        p.relative_to(worktree).as_posix(): p.read_bytes()
        for p in sorted(worktree.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(worktree).parts
    }


@pytest.mark.parametrize("url_path", ["/alice/demo", "/alice/demo.git"])
def test_clone_model(served: Served, tmp_path: Path, url_path: str) -> None:
    dest = tmp_path / "clone"
    _git("clone", "-q", served.base + url_path, str(dest))
    assert _git("rev-parse", "HEAD", cwd=dest).stdout.strip() == served.head
    assert _git("symbolic-ref", "HEAD", cwd=dest).stdout.strip() == "refs/heads/main"
    assert _files(dest) == FILES_V2
    assert (dest / "weights" / "model.bin").read_bytes() == LFS_POINTER
    assert _git("tag", cwd=dest).stdout.split() == ["v1.0"]
    remote_refs = _git("ls-remote", served.base + url_path, cwd=dest).stdout
    assert "refs/heads/dev" in remote_refs and "refs/pr/1" in remote_refs
    assert "refs/internal" not in remote_refs
    assert _git("fsck", "--strict", cwd=dest).returncode == 0
    assert ("model", "alice/demo") in served.located


def test_clone_dataset_and_fetch_pr_ref(served: Served, tmp_path: Path) -> None:
    dest = tmp_path / "clone"
    _git("clone", "-q", served.base + "/datasets/alice/table", str(dest))
    assert _files(dest) == FILES_V2
    assert ("dataset", "alice/table") in served.located
    _git("fetch", "-q", "origin", "refs/pr/1:pr-1", cwd=dest)
    assert _git("ls-tree", "-r", "--name-only", "pr-1", cwd=dest).stdout.split() == sorted(FILES_V1)


def test_incremental_fetch_sends_only_new_commits(served: Served, tmp_path: Path) -> None:
    dest = tmp_path / "clone"
    _git("clone", "-q", "--branch", "dev", served.base + "/alice/demo", str(dest))
    assert _files(dest) == FILES_V1
    repo = Repo(str(served.repo_path))
    newer = _commit(repo, {**FILES_V2, "NEW.md": b"new\n"}, "third", [served.head.encode()])
    repo.refs[b"refs/heads/main"] = newer
    repo.close()
    _git("fetch", "-q", "origin", cwd=dest)
    assert _git("rev-parse", "origin/main", cwd=dest).stdout.strip() == newer.decode()
    _git("checkout", "-q", "origin/main", cwd=dest)
    assert _files(dest) == {**FILES_V2, "NEW.md": b"new\n"}


def test_push_is_refused(served: Served, tmp_path: Path) -> None:
    dest = tmp_path / "clone"
    _git("clone", "-q", served.base + "/alice/demo", str(dest))
    (dest / "x.txt").write_text("x")
    _git("add", "x.txt", cwd=dest)
    _git("commit", "-q", "-m", "x", cwd=dest)
    proc = _git("push", "origin", "main", cwd=dest, check=False)
    assert proc.returncode != 0
    assert "403" in proc.stderr
    assert Repo(str(served.repo_path)).refs[b"refs/heads/main"].decode() == served.head


def test_locate_errors_reach_git(served: Served, tmp_path: Path) -> None:
    missing = _git("clone", served.base + "/alice/nope", str(tmp_path / "a"), check=False)
    assert missing.returncode != 0
    assert "not found" in missing.stderr
    private = _git("clone", served.base + "/alice/private", str(tmp_path / "b"), check=False)
    assert private.returncode != 0
    assert "Authentication failed" in private.stderr or "could not read Username" in private.stderr


def test_http_details(served: Served) -> None:
    with httpx.Client(base_url=served.base) as client:
        adv = client.get("/alice/demo/info/refs", params={"service": "git-upload-pack"})
        assert adv.status_code == 200
        assert adv.headers["content-type"] == "application/x-git-upload-pack-advertisement"
        assert adv.content.startswith(b"001e# service=git-upload-pack\n0000")
        assert b"symref=HEAD:refs/heads/main" in adv.content
        assert "no-cache" in adv.headers["cache-control"]
        # the dumb protocol and pushing are refused
        assert client.get("/alice/demo/info/refs").status_code == 404
        assert client.get("/alice/demo/info/refs", params={"service": "git-receive-pack"}).status_code == 403
        assert client.post("/alice/demo/git-receive-pack", content=b"0000").status_code == 403
        # the app's error for a missing repo comes first
        assert client.get("/alice/nope/info/refs", params={"service": "git-upload-pack"}).status_code == 404
        wrong_type = client.post("/alice/demo/git-upload-pack", content=b"0000")
        assert wrong_type.status_code == 415


def _upload_pack_request(want: str) -> bytes:
    line = f"want {want} multi_ack_detailed side-band-64k thin-pack ofs-delta\n".encode()
    done = b"done\n"
    return b"%04x%s0000%04x%s" % (len(line) + 4, line, len(done) + 4, done)


def test_gzip_request_body(served: Served) -> None:
    body = _upload_pack_request(served.head)
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    with httpx.Client(base_url=served.base) as client:
        plain = client.post("/alice/demo/git-upload-pack", content=body, headers=headers)
        zipped = client.post(
            "/alice/demo/git-upload-pack",
            content=gzip.compress(body),
            headers={**headers, "Content-Encoding": "gzip"},
        )
        broken = client.post(
            "/alice/demo/git-upload-pack",
            content=gzip.compress(body)[:-8],
            headers={**headers, "Content-Encoding": "gzip"},
        )
    assert plain.status_code == zipped.status_code == 200, plain.text
    assert zipped.headers["content-type"] == "application/x-git-upload-pack-result"
    assert plain.content.startswith(b"0008NAK\n")
    assert b"PACK" in plain.content
    assert zipped.content == plain.content
    assert broken.status_code == 400


def test_bad_want_is_a_client_error(served: Served) -> None:
    body = _upload_pack_request("0" * 40)
    with httpx.Client(base_url=served.base) as client:
        resp = client.post(
            "/alice/demo/git-upload-pack",
            content=body,
            headers={"Content-Type": "application/x-git-upload-pack-request"},
        )
    assert resp.status_code == 400
    assert "invalid object" in resp.text


def test_worker_stops_when_the_client_goes_away(served: Served) -> None:
    big = served.root / "repos" / "models" / "alice" / "big.git"
    big.mkdir(parents=True)
    repo = Repo.init_bare(str(big))
    head = _commit(repo, {"blob.dat": random.Random(1).randbytes(10 * 1024 * 1024)}, "big", [])
    repo.refs[b"refs/heads/main"] = head
    repo.close()
    body = _upload_pack_request(head.decode())
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    with (
        httpx.Client(base_url=served.base) as client,
        client.stream("POST", "/alice/big/git-upload-pack", content=body, headers=headers) as resp,
    ):
        assert resp.status_code == 200
        first = next(resp.iter_raw())
        assert first.startswith(b"0008NAK\n")
    deadline = time.monotonic() + 10
    while any(t.name == "git-upload-pack" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the upload-pack worker kept running"
        time.sleep(0.05)
