"""`.gitattributes` / `.gitignore` matching, checked against tables and against git itself."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hubflow.server._patterns import (
    DEFAULT_GITATTRIBUTES,
    LFS_SIZE_THRESHOLD,
    GitAttributes,
    GitIgnore,
    choose_upload_mode,
    is_binary_sample,
)

DEFAULT_CASES = [
    ("model.safetensors", True),
    ("a/b/pytorch_model.bin", True),
    ("weights.pt", True),
    ("data/train-00000.parquet", True),
    ("archive.tar.gz", True),
    ("archive.tar", True),
    ("x.lfs.json", True),
    ("runs/events.out.tfevents.1700.host", True),
    ("saved_model/variables/variables.index", True),
    ("saved_model/saved_model.pb", True),
    ("saved_model/keras_metadata", True),
    ("nested/saved_model/keras_metadata", False),  # "saved_model/**/*" is anchored
    ("README.md", False),
    ("config.json", False),
    ("model.binx", False),
    ("bin", False),
    ("dir.bin/config.json", False),  # attributes never apply through a directory
    ("Model.BIN", False),  # case-sensitive, like git on Linux
    (".gitattributes", False),
]


@pytest.mark.parametrize(("path", "expected"), DEFAULT_CASES)
def test_default_gitattributes(path: str, expected: bool) -> None:
    assert GitAttributes.from_text(DEFAULT_GITATTRIBUTES).is_lfs(path) is expected


def test_default_gitattributes_lines() -> None:
    lines = DEFAULT_GITATTRIBUTES.splitlines()
    assert len(lines) == 35
    assert lines[0] == "*.7z filter=lfs diff=lfs merge=lfs -text"
    assert "saved_model/**/* filter=lfs diff=lfs merge=lfs -text" in lines
    assert lines[-1] == "*tfevents* filter=lfs diff=lfs merge=lfs -text"


ATTR_CASES = [
    ("*.bin filter=lfs", "deep/dir/x.bin", True),
    ("*.bin filter=lfs\nsmall.bin -filter", "small.bin", False),
    ("*.bin filter=lfs\nsmall.bin -filter", "big.bin", True),
    ("*.bin filter=lfs\n*.bin !filter", "x.bin", False),
    ("*.bin -filter\n*.bin filter=lfs", "x.bin", True),
    ("*.bin filter=other", "x.bin", False),
    ("*.bin filter", "x.bin", False),
    ("*.bin filter=lfs\n*.bin diff=lfs", "x.bin", True),  # a line without filter changes nothing
    ("*.bin filter=lfs -filter", "x.bin", False),  # within a line the last one wins
    ("/top.bin filter=lfs", "top.bin", True),
    ("/top.bin filter=lfs", "sub/top.bin", False),
    ("data/*.csv filter=lfs", "data/a.csv", True),
    ("data/*.csv filter=lfs", "data/sub/a.csv", False),
    ("data/*.csv filter=lfs", "x/data/a.csv", False),
    ("data/** filter=lfs", "data/sub/a.csv", True),
    ("data/** filter=lfs", "data", False),
    ("**/data/*.csv filter=lfs", "x/y/data/a.csv", True),
    ("**/data/*.csv filter=lfs", "data/a.csv", True),
    ("a/**/b.txt filter=lfs", "a/b.txt", True),
    ("a/**/b.txt filter=lfs", "a/x/y/b.txt", True),
    ("a/**/**/b.txt filter=lfs", "a/x/b.txt", True),
    ("file?.txt filter=lfs", "file1.txt", True),
    ("file?.txt filter=lfs", "file10.txt", False),
    ("file[0-9].txt filter=lfs", "sub/file7.txt", True),
    ("file[!0-9].txt filter=lfs", "file7.txt", False),
    ("file[!0-9].txt filter=lfs", "filex.txt", True),
    ("file[[:digit:]].txt filter=lfs", "file3.txt", True),
    ("foo**bar filter=lfs", "fooXbar", True),
    ("foo**bar filter=lfs", "foo/bar", False),
    ("big/ filter=lfs", "big/x.txt", False),  # directory patterns never match files
    ("!*.bin filter=lfs", "x.bin", False),  # negative patterns are refused by git
    ('"with space.bin" filter=lfs', "with space.bin", True),
    ("\\*.weird filter=lfs", "*.weird", True),
    ("\\*.weird filter=lfs", "x.weird", False),
    ("[attr]lfs filter=lfs diff=lfs merge=lfs -text\n*.dat lfs", "x.dat", True),
    ("*.dat\tfilter=lfs", "x.dat", True),
    ("  # comment\n\n*.dat filter=lfs", "x.dat", True),
]


@pytest.mark.parametrize(("text", "path", "expected"), ATTR_CASES)
def test_gitattributes_table(text: str, path: str, expected: bool) -> None:
    assert GitAttributes.from_text(text).is_lfs(path) is expected


IGNORE_CASES = [
    ("*.log", "a/b/debug.log", True),
    ("*.log\n!keep.log", "a/keep.log", False),
    ("!keep.log\n*.log", "keep.log", True),  # order matters: the last match wins
    ("build/", "build/x/y.o", True),
    ("build/", "src/build/y.o", True),
    ("build/", "build", False),  # a file named build is not a directory
    ("build", "build", True),
    ("build", "src/build/y.o", True),
    ("/build", "src/build/y.o", False),
    ("/build", "build/y.o", True),
    ("doc/frotz", "doc/frotz", True),
    ("doc/frotz", "a/doc/frotz", False),
    ("doc/frotz/", "doc/frotz/x", True),
    ("**/foo", "a/b/foo", True),
    ("**/foo/bar", "x/foo/bar", True),
    ("abc/**", "abc/x/y", True),
    ("abc/**", "abc", False),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/b", True),
    ("cache/\n!cache/keep.txt", "cache/keep.txt", True),  # cannot re-include below an ignored dir
    ("cache/*\n!cache/keep.txt", "cache/keep.txt", False),
    ("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/bar/baz", False),
    ("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/other", True),
    ("/*\n!/foo\n/foo/*\n!/foo/bar", "top.txt", True),
    ("# comment", "# comment", False),
    ("\\#hash", "#hash", True),
    ("\\!bang", "!bang", True),
    ("trailing   ", "trailing", True),
    ("space\\ ", "space ", True),
    ("space\\ ", "space", False),
    ("*.py[co]", "m/x.pyc", True),
    ("*.py[co]", "m/x.py", False),
    ("", "anything", False),
    ("*", "a/b/c", True),
    ("*\n!*.md", "docs/readme.md", True),  # "*" also ignores the directory docs
    ("*\n!*/\n!*.md", "docs/readme.md", False),
]


@pytest.mark.parametrize(("text", "path", "expected"), IGNORE_CASES)
def test_gitignore_table(text: str, path: str, expected: bool) -> None:
    assert GitIgnore.from_text(text).is_ignored(path) is expected


def _git(cwd: Path, *args: str, stdin: str = "") -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is required for the cross-check against git")
    _git(tmp_path, "init", "-q")
    return tmp_path


def test_gitattributes_agree_with_git(git_repo: Path) -> None:
    """Every ATTR_CASES / default-attribute answer is the one `git check-attr` gives."""
    cases = [(DEFAULT_GITATTRIBUTES, p) for p, _ in DEFAULT_CASES] + [(t, p) for t, p, _ in ATTR_CASES]
    for text, path in cases:
        (git_repo / ".gitattributes").write_text(text + "\n")
        out = _git(git_repo, "check-attr", "filter", "--", path)
        git_says = out.rstrip("\n").endswith(": filter: lfs")
        assert GitAttributes.from_text(text).is_lfs(path) is git_says, (text, path, out)


def test_gitignore_agrees_with_git(git_repo: Path) -> None:
    """Every IGNORE_CASES answer is the one `git check-ignore` gives for real files."""
    for n, (text, path, _) in enumerate(IGNORE_CASES):
        work = git_repo / f"case{n}"
        work.mkdir()
        _git(work, "init", "-q")
        (work / ".gitignore").write_text(text + "\n")
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text("x")
        out = _git(work, "check-ignore", "--no-index", "--", path)
        assert bool(out.strip()) is GitIgnore.from_text(text).is_ignored(path), (text, path)


def test_ten_thousand_paths_take_milliseconds() -> None:
    attrs = GitAttributes.from_text(DEFAULT_GITATTRIBUTES * 3)
    ignore = GitIgnore.from_text("*.log\n!keep.log\nbuild/\n/dist\n**/tmp/**\n" * 5)
    exts = ["bin", "json", "safetensors", "log", "txt"]
    paths = [f"d{i % 40}/s{i % 9}/f{i}.{exts[i % 5]}" for i in range(10_000)]
    start = time.perf_counter()
    lfs = sum(attrs.is_lfs(p) for p in paths)
    ignored = sum(ignore.is_ignored(p) for p in paths)
    elapsed = time.perf_counter() - start
    assert (lfs, ignored) == (4_000, 2_000)
    assert elapsed < 0.5, elapsed  # ~20 ms here; generous for a loaded CI machine


def test_is_binary_sample() -> None:
    assert not is_binary_sample(b"")
    assert not is_binary_sample(b"plain text\n")
    assert not is_binary_sample("héllo wörld ✓".encode())
    assert is_binary_sample(b"abc\x00def")
    assert is_binary_sample(b"\xff\xfe not utf-8")
    assert is_binary_sample(b"caf\xe9 au lait")  # latin-1
    assert not is_binary_sample(b"caf\xc3")  # only a truncated tail
    # the 512-byte sample may cut a multi-byte character in half: that is still text
    cut = ("a" * 511 + "é").encode()[:512]
    assert len(cut) == 512 and not is_binary_sample(cut)


@pytest.mark.parametrize(
    ("path", "size", "sample", "expected"),
    [
        ("README.md", 10, b"# title\n\n", "regular"),
        ("model.safetensors", 10, b"text only!", "lfs"),  # .gitattributes decides first
        ("image.png", 10, b"\x89PNG\r\n\x1a\n\x00\x00", "lfs"),  # binary sample
        ("big.csv", LFS_SIZE_THRESHOLD + 1, b"a,b,c\n", "lfs"),  # big text file
        ("edge.csv", LFS_SIZE_THRESHOLD, b"a,b,c\n", "regular"),
        ("empty.bin", 0, b"", "regular"),  # empty files are never LFS
    ],
)
def test_choose_upload_mode(path: str, size: int, sample: bytes, expected: str) -> None:
    attrs = GitAttributes.from_text(DEFAULT_GITATTRIBUTES)
    assert choose_upload_mode(path, size, sample, attrs) == expected


def test_choose_upload_mode_without_attributes() -> None:
    assert choose_upload_mode("model.bin", 4, b"abcd", None) == "regular"
    assert choose_upload_mode("model.bin", 4, b"\x00\x01\x02\x03", None) == "lfs"
