"""Packs written from the writer's offsets (``_pack.write_pack``): readable by dulwich and by git itself."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from dulwich.objects import Blob, Commit, Tree
from dulwich.pack import PackData
from dulwich.repo import Repo
from huggingface_hub import CommitOperationAdd, HfApi

from hubflow.server._pack import PackWriter, pack_entry, write_pack
from hubflow.testing import ALICE_WRITE, HubProcess

# Sizes around the 65,535-byte stored-block limit and the 4/7-bit size varint boundaries.
SIZES = [0, 1, 15, 16, 127, 2048, 65_534, 65_535, 65_536, 131_070, 131_071, 200_000]


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        pytest.fail("the system git is required for these tests")
    return git


def _git_fsck_and_verify_pack(git_dir: Path, idx: Path) -> str:
    """Run ``git fsck --full --strict`` on the repo and ``git verify-pack -v`` on one index; both must pass.

    Returns verify-pack's listing (one line per object, then the pack's verdict).
    """
    done = subprocess.run([_git(), "fsck", "--full", "--strict"], cwd=git_dir, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([_git(), "verify-pack", "-v", str(idx)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _objects() -> tuple[list[Blob], Tree, Commit]:
    rnd = random.Random(3)
    blobs = [Blob.from_string(rnd.randbytes(n)) for n in SIZES]
    tree = Tree()
    for i, blob in enumerate(blobs):
        tree.add(f"f{i}".encode(), 0o100644, blob.id)
    commit = Commit()
    commit.tree = tree.id
    commit.author = commit.committer = b"alice <alice@hub.local>"
    commit.author_time = commit.commit_time = 1_700_000_000
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = b"packed\n"
    return blobs, tree, commit


def test_pack_entry_inflates_to_the_object() -> None:
    import zlib

    for n in SIZES:
        raw = random.Random(n).randbytes(n)
        entry = pack_entry(3, raw)
        # header: type 3 (blob) in bits 4-6 of the first byte, size as a little-endian varint
        size, shift, i = entry[0] & 0x0F, 4, 0
        while entry[i] & 0x80:
            i += 1
            size |= (entry[i] & 0x7F) << shift
            shift += 7
        assert (entry[0] >> 4) & 0x07 == 3 and size == n
        inflater = zlib.decompressobj()
        assert inflater.decompress(entry[i + 1 :]) == raw and inflater.eof and not inflater.unused_data


def test_written_pack_is_seen_by_the_open_store_and_a_fresh_repo(tmp_path: Path) -> None:
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs, tree, commit = _objects()
    assert blobs[0].id not in repo.object_store  # the store has scanned its (empty) pack dir already
    name = write_pack(repo.object_store, [*blobs, tree, commit])
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    assert sorted(p.name for p in pack_dir.iterdir()) == [f"{name}.idx", f"{name}.pack"]  # no temp file left
    for blob in blobs:  # the same open store
        assert repo.object_store[blob.id].as_raw_string() == blob.as_raw_string()
    repo.refs[b"refs/heads/main"] = commit.id
    fresh = Repo(str(tmp_path / "r.git"))
    assert fresh[commit.id].tree == tree.id and fresh[blobs[-1].id].as_raw_string() == blobs[-1].as_raw_string()
    with PackData(str(pack_dir / f"{name}.pack"), object_format=repo.object_store.object_format) as data:
        data.check()  # trailing checksum
        assert len(data) == len(blobs) + 2
    assert write_pack(repo.object_store, [*blobs, tree, commit]) == name  # same objects: nothing new
    assert len(list(pack_dir.iterdir())) == 2
    fresh.close()
    repo.close()
    listing = _git_fsck_and_verify_pack(tmp_path / "r.git", pack_dir / f"{name}.idx")
    assert "ok" in listing.splitlines()[-1]


def test_clone_over_smart_http_after_packed_commits(hub: HubProcess, repo_factory: Callable[..., str],
                                                    tmp_path: Path) -> None:
    git = _git()
    api = HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    repo = repo_factory()
    api.create_repo(repo)
    rnd = random.Random(9)
    files = {f"d{i % 9}/f{i}.txt": rnd.randbytes(rnd.randint(0, 9000)).hex().encode() for i in range(260)}
    api.create_commit(repo, [CommitOperationAdd(p, d) for p, d in files.items()], commit_message="first pack")
    more = {f"e/g{i}.txt": f"{i}\n".encode() * i for i in range(230)}
    api.create_commit(repo, [CommitOperationAdd(p, d) for p, d in more.items()], commit_message="second pack")
    server_repo = hub.data_dir / "repos" / "models" / f"{repo}.git"
    assert len(list((server_repo / "objects" / "pack").glob("*.idx"))) == 2
    done = subprocess.run([git, "fsck", "--full"], cwd=server_repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    clone = tmp_path / "clone"
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([git, "clone", "-q", f"{hub.endpoint}/{repo}", str(clone)], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    for path, data in [*files.items(), *more.items()]:
        assert (clone / path).read_bytes() == data
    done = subprocess.run([git, "fsck", "--full"], cwd=clone, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background-writer"])
def test_pack_writer_without_a_count_patches_the_header_and_satisfies_git(tmp_path: Path, background: bool) -> None:
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs, tree, commit = _objects()
    pack = PackWriter(repo.object_store, background=background)  # objects as they come: count unknown until finish
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    for i, blob in enumerate(blobs):
        pack.add(blob)
        if i % 3 == 2:
            pack.flush()  # a parser's batch ends: written now, or handed to the background writer
    pack.add(blobs[3])  # the same id again: written once
    assert len(pack) == len(blobs) and blobs[3].id in pack
    assert [p.name[:9] for p in pack_dir.iterdir()] == ["tmp_pack_"]  # nothing visible yet
    assert blobs[0].id not in repo.object_store
    pack.add(tree)
    pack.add(commit)
    [name] = pack.finish()  # ~0.6 MB: below the segment size, one pack
    assert sorted(p.name for p in pack_dir.iterdir()) == [f"{name}.idx", f"{name}.pack"]
    with PackData(str(pack_dir / f"{name}.pack"), object_format=repo.object_store.object_format) as data:
        data.check()  # the trailer covers the patched header
        assert len(data) == len(blobs) + 2
    assert repo.object_store[blobs[-1].id].as_raw_string() == blobs[-1].as_raw_string()
    repo.refs[b"refs/heads/main"] = commit.id
    repo.close()
    listing = _git_fsck_and_verify_pack(tmp_path / "r.git", pack_dir / f"{name}.idx")
    assert sum(" blob " in line for line in listing.splitlines()) == len(blobs)  # the duplicate: once
    with pytest.raises(ValueError, match="finished"):
        pack.add(Blob.from_string(b"late"))


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background-writer"])
def test_pack_writer_abort_and_a_wrong_count_leave_nothing(tmp_path: Path, background: bool) -> None:
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs, tree, commit = _objects()
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    pack = PackWriter(repo.object_store, background=background)
    for blob in blobs:
        pack.add(blob)
        pack.flush()
    pack.abort()
    pack.abort()  # idempotent
    assert list(pack_dir.iterdir()) == []
    with pytest.raises(ValueError, match="finished or aborted"):
        pack.finish()
    with pytest.raises(ValueError, match="header says 3 objects, 2 were added"):
        write_pack(repo.object_store, [tree, commit, tree])  # duplicates: the announced count is wrong
    assert list(pack_dir.iterdir()) == []
    repo.close()


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background-writer"])
def test_a_pack_of_unknown_count_is_sealed_in_segments(tmp_path: Path, background: bool) -> None:
    # Past segment_bytes a pack is sealed (count, trailer) and the next begun: each is a valid pack.
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs, tree, commit = _objects()
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    pack = PackWriter(repo.object_store, background=background, segment_bytes=150_000)
    for obj in [*blobs, tree, commit]:
        pack.add(obj)
        pack.flush()
    names = pack.finish()
    assert len(names) >= 3 and len(set(names)) == len(names)
    assert sorted(p.name for p in pack_dir.iterdir()) == sorted(f"{n}{ext}" for n in names for ext in (".idx", ".pack"))
    counts = []
    for name in names:
        with PackData(str(pack_dir / f"{name}.pack"), object_format=repo.object_store.object_format) as data:
            data.check()  # each trailer covers its own patched header
            counts.append(len(data))
    assert sum(counts) == len(blobs) + 2
    for obj in [*blobs, tree, commit]:
        assert repo.object_store[obj.id].as_raw_string() == obj.as_raw_string()
    repo.refs[b"refs/heads/main"] = commit.id
    repo.close()
    for name in names:
        _git_fsck_and_verify_pack(tmp_path / "r.git", pack_dir / f"{name}.idx")


def test_an_aborted_pack_of_several_segments_leaves_nothing(tmp_path: Path) -> None:
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs = _objects()[0]
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    pack = PackWriter(repo.object_store, segment_bytes=150_000)  # inline: sealed as the objects come
    for blob in blobs:
        pack.add(blob)
    assert len(list(pack_dir.glob("tmp_pack_*"))) >= 3  # sealed segments and the current one
    pack.abort()
    assert list(pack_dir.iterdir()) == []  # sealed segments included: none was renamed in
    assert all(blob.id not in repo.object_store for blob in blobs)
    repo.close()


def test_a_background_write_error_is_raised_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hubflow.server._pack as pack_module

    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    blobs = _objects()[0]
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    pack = PackWriter(repo.object_store, background=True)
    pack.add(blobs[0])
    pack.flush()
    real_write_all = pack_module._write_all

    def disk_full(fd: int, parts: list[bytes]) -> None:  # injected fault: the second write fails
        monkeypatch.setattr(pack_module, "_write_all", real_write_all)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pack_module, "_write_all", disk_full)
    with pytest.raises(OSError, match="No space left"):  # at the next hand-over, or at the latest by finish
        for blob in blobs[1:]:
            pack.add(blob)
            pack.flush()
        pack.finish()
    pack.abort()  # what the commit parser's close() does (a no-op once finish discarded the pack)
    assert list(pack_dir.iterdir()) == []  # the temporary pack is removed
    assert blobs[0].id not in repo.object_store
    repo.close()


def test_missing_looks_objects_up_in_packs_and_loose_files(tmp_path: Path) -> None:
    from hubflow.server._gitstore import GitRepo

    Repo.init_bare(str(tmp_path / "r.git"), mkdir=True).close()
    git = GitRepo(tmp_path / "r.git")
    blobs, tree, commit = _objects()
    write_pack(git.repo.object_store, blobs[:6])
    git.repo.object_store.add_object(blobs[6])
    assert git.missing([*blobs, tree, blobs[8], commit]) == [*blobs[7:], tree, commit]
    git.write_objects([*blobs, tree, commit])  # 7 new objects: loose
    assert git.missing([*blobs, tree, commit]) == []
    assert git.repo.object_store[tree.id].as_raw_string() == tree.as_raw_string()
    git.close()


def test_loose_objects_are_stored_uncompressed_and_valid_for_git(tmp_path: Path) -> None:
    from hubflow.server._gitstore import AddBlob, GitStore

    text = b"a very compressible line of text\n" * 2000  # 66 KB; zlib's default level makes it ~1 KB
    git = GitStore(tmp_path).init("model", "alice", "m", gitattributes=b"", author="alice")
    sha = git.commit("refs/heads/main", [AddBlob("notes.txt", text)], "add notes", author="alice")
    blob = Blob.from_string(text)
    loose = Path(git.repo.object_store.path) / blob.id[:2].decode() / blob.id[2:].decode()
    raw = loose.read_bytes()
    assert raw[:2] == b"\x78\x01" and len(raw) > len(text)  # a zlib stream of stored blocks (level 0)
    assert git.read_blob(blob.id.decode()) == text
    git.close()
    done = subprocess.run([_git(), "fsck", "--full", "--strict"], cwd=git.path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([_git(), "show", f"{sha}:notes.txt"], cwd=git.path, capture_output=True, timeout=60)
    assert shown.returncode == 0 and shown.stdout == text


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background-writer"])
def test_the_last_pack_is_small_once_little_input_is_left(tmp_path: Path, background: bool) -> None:
    # flush(left=...) tells how much input is still to come: at most tail_bytes left seals the
    # current pack once, so the pack hashed after the last object holds only the tail.
    repo = Repo.init_bare(str(tmp_path / "r.git"), mkdir=True)
    rnd = random.Random(11)
    blobs = [Blob.from_string(rnd.randbytes(10_000)) for _ in range(30)]  # 300 KB of input
    pack_dir = tmp_path / "r.git" / "objects" / "pack"
    pack = PackWriter(repo.object_store, background=background, segment_bytes=10**9, tail_bytes=60_000)
    left = 300_000
    for blob in blobs:
        pack.add(blob)
        left -= 10_000
        pack.flush(left=left)  # sealed once, when 60,000 bytes are left: 24 blobs in, 6 to come
    pack.flush(left=0)  # once only: the tail is not cut again
    names = pack.finish()
    counts = []
    for name in names:
        with PackData(str(pack_dir / f"{name}.pack"), object_format=repo.object_store.object_format) as data:
            data.check()
            counts.append(len(data))
    assert counts == [24, 6]
    for blob in blobs:
        assert repo.object_store[blob.id].as_raw_string() == blob.as_raw_string()
    repo.close()
    _git_fsck_and_verify_pack(tmp_path / "r.git", pack_dir / f"{names[1]}.idx")
    # Input that is all tail (a small commit) stays one pack; a known count is never cut.
    for count in (None, 3):
        small = PackWriter(Repo(str(tmp_path / "r.git")).object_store, count, background=background and count is None,
                           tail_bytes=60_000)
        for blob in blobs[:3]:
            small.add(blob)
            small.flush(left=0)
        assert len(small.finish()) == 1


def test_pack_index_v2_bytes_equal_dulwichs() -> None:
    import io

    from dulwich.pack import write_pack_index_v2

    from hubflow.server._pack import pack_index_v2

    rnd = random.Random(5)
    checksum = rnd.randbytes(20)
    for offsets in ([], [12, 500, 70_000], [12, 2**31 - 1, 2**31, 2**33 + 7, 2**40]):
        entries = sorted((rnd.randbytes(20), off, rnd.getrandbits(32)) for off in offsets)
        expected = io.BytesIO()
        write_pack_index_v2(expected, entries, checksum)
        assert pack_index_v2(entries, checksum) == expected.getvalue()
