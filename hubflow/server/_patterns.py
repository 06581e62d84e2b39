"""`.gitattributes` and `.gitignore` matching, and the server's upload-mode policy.

The local Hub answers `preupload` with an upload mode (`"lfs"` or `"regular"`) and a
`shouldIgnore` flag per file. Both come from git's own pattern rules, applied here with
git's semantics (wildmatch with `WM_PATHNAME`, last matching line wins) but without git:

```python
attrs = GitAttributes.from_text(DEFAULT_GITATTRIBUTES)
attrs.is_lfs("weights/model.safetensors")        # True
GitIgnore.from_text("logs/\\n!keep.log").is_ignored("logs/a.log")   # True
choose_upload_mode("README.md", 120, b"# hi", attrs)               # "regular"
```

Every pattern is translated to a regular expression once; the lines of one file are joined
into two alternations (basename patterns, anchored patterns) ordered last line first, so one
`re.match` per path finds the line that decides.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_GITATTRIBUTES",
    "LFS_SIZE_THRESHOLD",
    "GitAttributes",
    "GitIgnore",
    "choose_upload_mode",
    "is_binary_sample",
]

_LFS_ATTRS = "filter=lfs diff=lfs merge=lfs -text"
_DEFAULT_LFS_PATTERNS = (
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot",
    "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
    "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip",
    "*.zst", "*tfevents*",
)  # fmt: skip

#: The `.gitattributes` every new repository on the Hub starts with.
DEFAULT_GITATTRIBUTES: str = "".join(f"{p} {_LFS_ATTRS}\n" for p in _DEFAULT_LFS_PATTERNS)

#: Text files bigger than this go to LFS (the Hub refuses regular files above 10 MiB).
LFS_SIZE_THRESHOLD: int = 10 * 1024 * 1024

_WHITESPACE = re.compile(r"[ \t]+")

_POSIX_CLASSES = {
    "alnum": r"a-zA-Z0-9", "alpha": r"a-zA-Z", "blank": r" \t", "cntrl": r"\x00-\x1f\x7f",
    "digit": r"0-9", "graph": r"!-~", "lower": r"a-z", "print": r" -~",
    "punct": r"!-/:-@\[-`{-~", "space": r" \t\n\r\f\v", "upper": r"A-Z", "xdigit": r"0-9a-fA-F",
}  # fmt: skip


@dataclass(frozen=True)
class _Pattern:
    """One parsed pattern line: where it matches and how."""

    regex: str  # matched against the basename (`basename`) or the whole path
    basename: bool
    dir_only: bool


def _bracket(pattern: str, i: int) -> tuple[str, int] | None:
    """Translate the bracket expression starting at `pattern[i] == "["`; None if unclosed."""
    j = i + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    if negate:
        j += 1
    parts: list[str] = []
    first = True
    while j < len(pattern):
        c = pattern[j]
        if c == "]" and not first:
            body = "".join(parts)
            # A class never matches "/" (WM_PATHNAME), negated or not.
            return (f"[^/{body}]" if negate else f"(?!/)[{body}]"), j + 1
        first = False
        if c == "[" and pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            name = pattern[j + 2 : end] if end != -1 else ""
            if name in _POSIX_CLASSES:
                parts.append(_POSIX_CLASSES[name])
                j = end + 2
                continue
        if c == "\\" and j + 1 < len(pattern):
            j += 1
            c = pattern[j]
        if c == "-" and parts and j + 1 < len(pattern) and pattern[j + 1] != "]":
            parts.append("-")
        else:
            parts.append(re.escape(c))
        j += 1
    return None


def _segment(seg: str) -> str:
    """Translate one path segment (no "/") of a wildmatch pattern to a regex."""
    out: list[str] = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            while i < len(seg) and seg[i] == "*":  # "**" inside a segment is a plain "*"
                i += 1
            out.append("[^/]*")
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            bracket = _bracket(seg, i)
            if bracket is not None:
                out.append(bracket[0])
                i = bracket[1]
                continue
            out.append(re.escape(c))
        elif c == "\\" and i + 1 < len(seg):
            i += 1
            out.append(re.escape(seg[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _translate(body: str) -> _Pattern:
    """Translate a pattern (negation and escapes of `#`/`!` already stripped) to a `_Pattern`."""
    dir_only = body.endswith("/")
    body = body.rstrip("/") if dir_only else body
    if "/" not in body:
        return _Pattern(regex=_segment(body), basename=True, dir_only=dir_only)
    segments: list[str] = []
    for seg in body.lstrip("/").split("/"):
        if not (seg == "**" and segments and segments[-1] == "**"):  # "**/**" is one "**"
            segments.append(seg)
    out: list[str] = []
    last = len(segments) - 1
    for k, seg in enumerate(segments):
        if seg == "**":
            if k == last:  # "a/**": everything inside a
                out.append(".*" if k == 0 else "/.*")
            else:  # "**/b" or "a/**/b": zero or more directories
                out.append("(?:.*/)?" if k == 0 else "/(?:.*/)?")
            continue
        if k > 0 and segments[k - 1] != "**":
            out.append("/")
        out.append(_segment(seg))
    return _Pattern(regex="".join(out), basename=False, dir_only=dir_only)


class _Matcher:
    """Finds the last of a list of patterns that matches a path, with two regexes per mode."""

    def __init__(self, patterns: Sequence[_Pattern]) -> None:
        self._files = self._compile(patterns, include_dir_only=False)
        self._dirs = self._compile(patterns, include_dir_only=True)

    @staticmethod
    def _compile(
        patterns: Sequence[_Pattern], *, include_dir_only: bool
    ) -> tuple[tuple[re.Pattern[str], list[int]] | None, tuple[re.Pattern[str], list[int]] | None]:
        compiled: list[tuple[re.Pattern[str], list[int]] | None] = []
        for basename in (True, False):
            chosen = [
                (idx, p)
                for idx, p in enumerate(patterns)
                if p.basename is basename and (include_dir_only or not p.dir_only)
            ]
            if not chosen:
                compiled.append(None)
                continue
            chosen.reverse()  # the first alternative that matches is the last line that does
            alternation = "|".join(f"({p.regex})\\Z" for _, p in chosen)
            compiled.append((re.compile(f"(?s:{alternation})"), [idx for idx, _ in chosen]))
        return compiled[0], compiled[1]

    def last_match(self, path: str, *, is_dir: bool) -> int:
        """Index of the last pattern matching `path` (a file, or a directory), or -1."""
        base_rx, anchored_rx = self._dirs if is_dir else self._files
        best = -1
        if base_rx is not None:
            m = base_rx[0].match(path.rpartition("/")[2])
            if m is not None and m.lastindex is not None:
                best = base_rx[1][m.lastindex - 1]
        if anchored_rx is not None:
            m = anchored_rx[0].match(path)
            if m is not None and m.lastindex is not None:
                best = max(best, anchored_rx[1][m.lastindex - 1])
        return best


def _normalize(path: str) -> str:
    """Repo paths are relative and "/"-separated; tolerate a leading "./" or "/"."""
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


_C_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}


def _unquote(token: str) -> str:
    """Undo git's C-style quoting of a pattern (`"with space.bin"`, `"caf\\303\\251"`)."""
    inner = token[1:-1] if len(token) >= 2 and token.endswith('"') else token[1:]
    out = bytearray()
    i = 0
    while i < len(inner):
        c = inner[i]
        if c == "\\" and i + 1 < len(inner):
            nxt = inner[i + 1]
            if nxt in "01234567" and re.fullmatch("[0-7]{3}", inner[i + 1 : i + 4]):
                out.append(int(inner[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_C_ESCAPES.get(nxt, ord(nxt)) if nxt.isascii() else 63)
            i += 2
            continue
        out += c.encode()
        i += 1
    return out.decode("utf-8", "replace")


class GitAttributes:
    """The `filter=lfs` rules of a `.gitattributes` file, with git's precedence.

    Patterns without a slash match a basename at any depth; patterns with one are anchored
    to the root; a later line overrides an earlier one; `-filter`, `!filter` or another
    value take a path back out of LFS. Macros (`[attr]name ...`) are expanded; negative
    and directory-only patterns never match files, as in git.

    ```python
    attrs = GitAttributes.from_text("*.bin filter=lfs\\nsmall.bin -filter\\n")
    assert attrs.is_lfs("a/b/big.bin") and not attrs.is_lfs("small.bin")
    ```
    """

    def __init__(self, rules: Iterable[tuple[_Pattern, bool]]) -> None:
        rules = list(rules)
        self._lfs = [is_lfs for _, is_lfs in rules]
        self._matcher = _Matcher([p for p, _ in rules])

    @classmethod
    def from_text(cls, text: str) -> GitAttributes:
        """Parse the content of a `.gitattributes` file."""
        macros: dict[str, list[str]] = {"binary": ["-diff", "-merge", "-text"]}
        rules: list[tuple[_Pattern, bool]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                end = line.find('"', 1)
                while end != -1 and line[end - 1] == "\\":
                    end = line.find('"', end + 1)
                end = len(line) if end == -1 else end + 1
                pattern, rest = _unquote(line[:end]), line[end:]
            else:
                pattern, _, rest = _WHITESPACE.sub(" ", line, count=1).partition(" ")
            if pattern.startswith("[attr]"):
                macros[pattern[6:]] = rest.split()
                continue
            if pattern.startswith("!"):
                continue  # git refuses negative patterns in attribute files
            verdict = cls._filter_state(rest.split(), macros)
            if verdict is not None:
                rules.append((_translate(pattern), verdict))
        return cls(rules)

    @staticmethod
    def _filter_state(attrs: list[str], macros: dict[str, list[str]], depth: int = 0) -> bool | None:
        """Whether this line makes `filter=lfs` true (True), false (False), or leaves it (None)."""
        state: bool | None = None
        for attr in attrs:
            if attr in macros and depth < 8:  # macros may use macros; a cycle stops here
                expanded = GitAttributes._filter_state(macros[attr], macros, depth + 1)
                state = expanded if expanded is not None else state
                continue
            name, eq, value = attr.lstrip("-!").partition("=")
            if name == "filter":
                state = bool(eq) and value == "lfs" and attr[0] not in "-!"
        return state

    def is_lfs(self, path: str) -> bool:
        """True if the last line matching `path` sets `filter=lfs`."""
        idx = self._matcher.last_match(_normalize(path), is_dir=False)
        return idx >= 0 and self._lfs[idx]


class GitIgnore:
    """The rules of a `.gitignore` file at the repository root, with git's semantics.

    Supports comments, `\\#` and `\\!` escapes, trailing spaces (kept when escaped), `!`
    negation, directory patterns (`build/` ignores everything below), anchored patterns,
    `**`, and git's rule that nothing below an ignored directory can be re-included.

    ```python
    ignore = GitIgnore.from_text("*.log\\n!keep.log\\ncache/\\n")
    assert ignore.is_ignored("a/debug.log") and not ignore.is_ignored("keep.log")
    assert ignore.is_ignored("cache/x/y.txt")
    ```
    """

    def __init__(self, rules: Iterable[tuple[_Pattern, bool]]) -> None:
        rules = list(rules)
        self._negated = [negated for _, negated in rules]
        self._matcher = _Matcher([p for p, _ in rules])
        self._dir_cache: dict[str, bool] = {}

    @classmethod
    def from_text(cls, text: str) -> GitIgnore:
        """Parse the content of a `.gitignore` file."""
        rules: list[tuple[_Pattern, bool]] = []
        for raw in text.splitlines():
            line = cls._strip_trailing_spaces(raw)
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated or line.startswith(("\\#", "\\!")):
                line = line[1:]
            if line and line != "/":
                rules.append((_translate(line), negated))
        return cls(rules)

    @staticmethod
    def _strip_trailing_spaces(line: str) -> str:
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            # "\ " keeps one space: count backslashes so "\\ " (an escaped backslash) does not
            backslashes = len(stripped) - len(stripped.rstrip("\\"))
            if backslashes % 2 == 1:
                return stripped + " "
        return stripped

    def _ignored_here(self, path: str, *, is_dir: bool) -> bool:
        idx = self._matcher.last_match(path, is_dir=is_dir)
        return idx >= 0 and not self._negated[idx]

    def _dir_ignored(self, directory: str) -> bool:
        cached = self._dir_cache.get(directory)
        if cached is None:
            parent = directory.rpartition("/")[0]
            cached = (bool(parent) and self._dir_ignored(parent)) or self._ignored_here(
                directory, is_dir=True
            )
            self._dir_cache[directory] = cached
        return cached

    def is_ignored(self, path: str) -> bool:
        """True if the file at `path` is ignored (itself, or through an ignored directory)."""
        path = _normalize(path)
        parent = path.rpartition("/")[0]
        if parent and self._dir_ignored(parent):
            return True
        return self._ignored_here(path, is_dir=False)


def is_binary_sample(sample: bytes) -> bool:
    """The Hub's binary heuristic: a NUL byte, or bytes that are not UTF-8, in the sample.

    The sample is the first 512 bytes of the file, so a multi-byte character cut at its
    end is not held against it.

    ```python
    assert is_binary_sample(b"\\x89PNG\\r\\n\\x1a\\n\\x00") and not is_binary_sample("héllo".encode())
    ```
    """
    if b"\x00" in sample:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    return False


def choose_upload_mode(
    path: str, size: int, sample: bytes, attributes: GitAttributes | None
) -> Literal["lfs", "regular"]:
    """The local Hub's answer to `preupload` for one file.

    Policy, in order: an empty file is always `"regular"` (git-lfs never stores empty
    files); a path that the revision's `.gitattributes` tracks with `filter=lfs` is
    `"lfs"`; a binary sample (see `is_binary_sample`) is `"lfs"`; a text file larger than
    `LFS_SIZE_THRESHOLD` (10 MiB) is `"lfs"`; anything else is `"regular"`.

    ```python
    attrs = GitAttributes.from_text(DEFAULT_GITATTRIBUTES)
    assert choose_upload_mode("model.bin", 4, b"abcd", attrs) == "lfs"
    assert choose_upload_mode("notes.txt", 4, b"abcd", attrs) == "regular"
    ```
    """
    if size == 0:
        return "regular"
    if attributes is not None and attributes.is_lfs(path):
        return "lfs"
    if is_binary_sample(sample) or size > LFS_SIZE_THRESHOLD:
        return "lfs"
    return "regular"
