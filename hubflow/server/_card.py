"""README front matter: a strict parser for the YAML that model cards use, and `validate-yaml`.

No YAML library is needed: model-card metadata uses a small part of YAML, parsed here with
YAML 1.2 core-schema rules (what the Hub's own parser gives: `yes` stays a string, dates
stay strings, keys are strings). What is outside the subset — anchors, aliases, tags,
complex keys, several documents — is refused with a `CardError` naming the line, never
guessed at.

```python
meta = parse_front_matter("---\\nlicense: mit\\ntags: [a, b]\\n---\\n# Model\\n")
assert meta == {"license": "mit", "tags": ["a", "b"]}
errors, warnings = validate_card("---\\nlicense: [oops\\n---\\n", "model")
assert errors and "line 2" in errors[0]
```

Supported: block mappings and sequences (also sequences of mappings, and a sequence
under a key at the key's own indentation), flow sequences and mappings (across lines too),
plain scalars (multi-line plain scalars are folded), single- and double-quoted scalars with
escapes, literal `|` and folded `>` block scalars with chomping indicators, ints (also
`0x`/`0o`), floats (also `.inf`, `.nan`), `true`/`false`, `null`/`~`/empty, and comments.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

__all__ = ["CardError", "parse_front_matter", "validate_card"]

# The front matter block, as huggingface_hub and the Hub find it.
_BLOCK = re.compile(r"\A\s*---[ \t]*\r?\n(.*?)(?:^|\n)---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_BLOCK_HEADER = re.compile(r"([|>])([-+]?)([1-9]?)([-+]?)\s*(?:#.*)?\Z")
_UNSUPPORTED_START = {"&": "anchors", "*": "aliases", "!": "tags", "%": "directives", "@": "'@'", "`": "'`'"}


class CardError(ValueError):
    """Invalid or unsupported YAML in a README's metadata; the message starts with "line N:"."""


class _Unterminated(CardError):
    """A quoted scalar or flow collection that does not end on its first line (yet)."""


_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL = {"~": None, "null": None, "Null": None, "NULL": None, "true": True, "True": True,
            "TRUE": True, "false": False, "False": False, "FALSE": False, ".nan": float("nan"),
            ".NaN": float("nan"), ".NAN": float("nan")}  # fmt: skip


def _resolve_plain(text: str) -> Any:
    """A plain scalar's value under YAML 1.2's core schema."""
    if not text:
        return None
    if text in _SPECIAL:
        return _SPECIAL[text]
    if _INT.fullmatch(text):
        return int(text)
    if re.fullmatch(r"0o[0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if re.fullmatch(r"[-+]?\.(?:inf|Inf|INF)", text):
        return float("-inf") if text[0] == "-" else float("inf")
    return text


def _fold_quoted(raw: str, quote: str) -> str:
    """Line folding inside a multi-line quoted scalar (before escapes are decoded)."""
    parts = raw.split("\n")
    if len(parts) == 1:
        return raw
    pieces: list[str] = []
    empty, escaped_before = 0, False
    last = len(parts) - 1
    for k, part in enumerate(parts):
        seg = part if k == 0 else part.lstrip(" \t")
        escaped = False
        if k < last:
            if quote == '"' and (len(seg) - len(seg.rstrip("\\"))) % 2 == 1:
                seg, escaped = seg[:-1], True
            else:
                seg = seg.rstrip(" \t")
        if 0 < k < last and not seg and not escaped:
            empty += 0 if escaped_before else 1
            continue
        if k > 0 and not escaped_before:
            pieces.append("\n" * empty if empty else " ")
        pieces.append(seg)
        empty, escaped_before = 0, escaped
    return "".join(pieces)


def _unescape(text: str, number: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        code = text[i + 1 : i + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            digits = text[i + 2 : i + 2 + _HEX_ESCAPES[code]]
            if len(digits) != _HEX_ESCAPES[code] or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                raise CardError(f"line {number}: bad escape \\{code}{digits}")
            out.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        else:
            raise CardError(f"line {number}: unknown escape \\{code} in a double-quoted string")
    return "".join(out)


def _parse_quoted(text: str, pos: int, number: int, *, multiline: bool) -> tuple[str, int]:
    """The quoted scalar at `text[pos]` and the index after its closing quote."""
    quote = text[pos]
    i = pos + 1
    while True:
        if i >= len(text) or (text[i] == "\n" and not multiline):
            where = number + text[:pos].count("\n")
            raise _Unterminated(f"line {where}: unterminated {quote}quoted{quote} string")
        c = text[i]
        if quote == '"' and c == "\\":
            i += 2
            continue
        if c == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            break
        i += 1
    folded = _fold_quoted(text[pos + 1 : i], quote)
    line = number + text[:pos].count("\n")
    value = _unescape(folded, line) if quote == '"' else folded.replace("''", "'")
    return value, i + 1


class _Flow:
    """Flow collections (`[a, b]`, `{k: v}`), possibly across lines; strict about the rest."""

    def __init__(self, text: str, number: int) -> None:
        self.text = text
        self.number = number

    def error(self, pos: int, message: str, cls: type[CardError] = CardError) -> CardError:
        return cls(f"line {self.number + self.text[:pos].count(chr(10))}: {message}")

    def skip(self, pos: int) -> int:
        text = self.text
        while pos < len(text):
            if text[pos] in " \t\r\n":
                pos += 1
            elif text[pos] == "#" and (pos == 0 or text[pos - 1] in " \t\n"):
                end = text.find("\n", pos)
                pos = len(text) if end == -1 else end
            else:
                break
        return pos

    def node(self, pos: int) -> tuple[Any, int]:
        pos = self.skip(pos)
        if pos >= len(self.text):
            raise self.error(pos, "unterminated flow collection", _Unterminated)
        c = self.text[pos]
        if c == "[":
            return self.sequence(pos + 1)
        if c == "{":
            return self.mapping(pos + 1)
        if c in "\"'":
            return _parse_quoted(self.text, pos, self.number, multiline=True)
        text, end = self.plain(pos)
        return _resolve_plain(text), end

    def plain(self, pos: int) -> tuple[str, int]:
        c = self.text[pos]
        if c in _UNSUPPORTED_START:
            raise self.error(pos, f"{_UNSUPPORTED_START[c]} are not supported")
        if c in ",]}:|>?-" and (c not in ":?-" or self.text[pos + 1 : pos + 2] in ("", " ", ",", "]", "}")):
            raise self.error(pos, f"unexpected {c!r} in a flow collection")
        text, i = self.text, pos
        while i < len(text):
            c = text[i]
            if c in ",[]{}\n" or (c == "#" and text[i - 1] in " \t"):
                break
            if c == ":" and (i + 1 == len(text) or text[i + 1] in " \t\r\n,[]{}"):
                break
            i += 1
        value = text[pos:i].rstrip(" \t\r")
        return value, pos + len(value)

    def sequence(self, pos: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while True:
            pos = self.skip(pos)
            if pos < len(self.text) and self.text[pos] == "]":
                return items, pos + 1
            value, pos = self.node(pos)
            pos = self.skip(pos)
            if pos < len(self.text) and self.text[pos] == ":":
                raise self.error(pos, "'key: value' pairs inside [...] are not supported")
            items.append(value)
            pos = self.separator(pos, "]")
            if self.text[pos - 1] == "]":
                return items, pos

    def mapping(self, pos: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        while True:
            pos = self.skip(pos)
            if pos < len(self.text) and self.text[pos] == "}":
                return result, pos + 1
            if pos >= len(self.text):
                raise self.error(pos, "unterminated flow mapping", _Unterminated)
            if self.text[pos] in "\"'":
                key, pos = _parse_quoted(self.text, pos, self.number, multiline=True)
            elif self.text[pos] in "[{":
                raise self.error(pos, "collections as mapping keys are not supported")
            else:
                key, pos = self.plain(pos)
            if key in result:
                raise self.error(pos, f"duplicate key {key!r}")
            pos = self.skip(pos)
            value: Any = None
            if pos < len(self.text) and self.text[pos] == ":":
                after = self.skip(pos + 1)
                if after < len(self.text) and self.text[after] not in ",}":
                    value, pos = self.node(after)
                else:
                    pos = after
            result[key] = value
            pos = self.separator(pos, "}")
            if self.text[pos - 1] == "}":
                return result, pos

    def separator(self, pos: int, close: str) -> int:
        """Consume "," or the closing bracket after an entry; return the index after it."""
        pos = self.skip(pos)
        if pos >= len(self.text):
            raise self.error(pos, f"missing {close!r}", _Unterminated)
        if self.text[pos] in ("," + close):
            return pos + 1
        raise self.error(pos, f"expected ',' or {close!r}, found {self.text[pos]!r}")


def _parse_flow(text: str, pos: int, number: int) -> tuple[Any, int]:
    return _Flow(text, number).node(pos)


class _Line:
    __slots__ = ("indent", "number", "raw", "text")

    def __init__(self, number: int, raw: str) -> None:
        self.number = number
        self.raw = raw
        stripped = raw.lstrip(" ")
        self.indent = len(raw) - len(stripped)
        self.text = stripped.rstrip()

    @property
    def blank(self) -> bool:
        return not self.text or self.text.startswith("#")


def _plain_end(text: str) -> int:
    """Where a plain scalar in `text` ends: at a comment (" #"), or the end."""
    match = re.search(r"(?:^|[ \t])#", text)
    return match.start() if match else len(text)


def _split_key(text: str, number: int) -> tuple[str, str] | None:
    """`("key", "rest")` if `text` starts a block mapping entry (`key: rest`), else None."""
    if text.startswith(("- ", "[", "{")) or text in ("-", ""):
        return None
    if text.startswith("? ") or text == "?":
        raise CardError(f"line {number}: complex mapping keys ('?') are not supported")
    if text[0] in "\"'":
        try:
            key, end = _parse_quoted(text, 0, number, multiline=False)
        except CardError:
            return None  # a multi-line quoted value, not a key
        rest = text[end:].lstrip(" ")
        if rest == ":" or rest.startswith((": ", ":\t")):
            return key, rest[1:].strip()
        return None
    match = re.search(r":(?:[ \t]|\Z)", text[: _plain_end(text)])
    if match is None:
        return None
    key = text[: match.start()].rstrip()
    if not key:
        raise CardError(f"line {number}: empty mapping key")
    if key[0] in _UNSUPPORTED_START:
        raise CardError(f"line {number}: {_UNSUPPORTED_START[key[0]]} are not supported")
    return key, text[match.end() :].strip()


class _Parser:
    """Recursive descent over indented lines; each `parse_*` returns (value, next line index)."""

    def __init__(self, text: str, first_number: int) -> None:
        self.lines = [_Line(first_number + k, raw.rstrip("\r")) for k, raw in enumerate(text.split("\n"))]
        for line in self.lines:
            lead = line.raw[: len(line.raw) - len(line.raw.lstrip(" \t"))]
            if "\t" in lead and line.raw.strip():
                raise CardError(f"line {line.number}: tabs are not allowed in indentation")

    def error(self, i: int, message: str) -> CardError:
        number = self.lines[min(i, len(self.lines) - 1)].number
        return CardError(f"line {number}: {message}")

    def skip(self, i: int) -> int:
        while i < len(self.lines) and self.lines[i].blank:
            i += 1
        return i

    def parse_document(self) -> Any:
        i = self.skip(0)
        if i == len(self.lines):
            return None
        for line in self.lines:
            if line.indent == 0 and (line.text in ("---", "...") or line.text.startswith(("--- ", "%"))):
                raise CardError(f"line {line.number}: several YAML documents or directives are not supported")
        value, i = self.parse_node(i)
        i = self.skip(i)
        if i < len(self.lines):
            raise self.error(i, "unexpected content (check the indentation)")
        return value

    def parse_node(self, i: int) -> tuple[Any, int]:
        """The block node starting at significant line `i`, at that line's indentation."""
        line = self.lines[i]
        if line.text == "-" or line.text.startswith("- "):
            return self.parse_sequence(i, line.indent)
        if _split_key(line.text, line.number) is not None:
            return self.parse_mapping(i, line.indent)
        return self.parse_inline(line.text, i, line.indent - 1)

    def parse_mapping(self, i: int, indent: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        while i < len(self.lines) and self.lines[i].indent == indent:
            line = self.lines[i]
            entry = _split_key(line.text, line.number)
            if entry is None:
                raise self.error(i, "expected 'key: value' in a mapping")
            key, rest = entry
            if key in result:
                raise self.error(i, f"duplicate key {key!r}")
            result[key], i = self.parse_value(rest, i, indent, allow_same_indent_sequence=True)
            i = self.skip(i)
        if i < len(self.lines) and self.lines[i].indent > indent:
            raise self.error(i, "bad indentation of a mapping entry")
        return result, i

    def parse_sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while i < len(self.lines) and self.lines[i].indent == indent:
            line = self.lines[i]
            if not (line.text == "-" or line.text.startswith("- ")):
                break  # e.g. the next key of a mapping that holds this sequence at its own indentation
            rest = line.text[1:]
            content = rest.lstrip(" ")
            if (
                content
                and not content.startswith("#")
                and (
                    content == "-" or content.startswith("- ") or _split_key(content, line.number) is not None
                )
            ):
                # "- key: v" or "- - x": the item is a block node that starts inside this line
                line.indent, line.text = indent + 1 + len(rest) - len(content), content
                value, i = self.parse_node(i)
            else:
                value, i = self.parse_value(content, i, indent, allow_same_indent_sequence=False)
            items.append(value)
            i = self.skip(i)
        if i < len(self.lines) and self.lines[i].indent > indent:
            raise self.error(i, "bad indentation of a sequence entry")
        return items, i

    def parse_value(
        self, rest: str, i: int, indent: int, *, allow_same_indent_sequence: bool
    ) -> tuple[Any, int]:
        """The value after `key:` or `- ` on line `i` (`rest`), or the block below it."""
        if not rest or rest.startswith("#"):
            j = self.skip(i + 1)
            if j < len(self.lines):
                below = self.lines[j]
                if below.indent > indent:
                    return self.parse_node(j)
                if (
                    allow_same_indent_sequence
                    and below.indent == indent
                    and (below.text == "-" or below.text.startswith("- "))
                ):
                    return self.parse_sequence(j, indent)
            return None, i + 1
        return self.parse_inline(rest, i, indent)

    def parse_inline(self, rest: str, i: int, indent: int) -> tuple[Any, int]:
        """A scalar or flow collection starting with `rest` on line `i`, owned by `indent`."""
        number = self.lines[i].number
        if rest[0] in _UNSUPPORTED_START:
            raise CardError(f"line {number}: {_UNSUPPORTED_START[rest[0]]} are not supported")
        if rest[0] in "|>":
            return self.parse_block_scalar(rest, i, indent)
        if rest == "-" or rest.startswith("- "):
            raise CardError(f"line {number}: a sequence cannot start on the line of its key")
        if rest[0] in "[{\"'":
            parse = _parse_flow if rest[0] in "[{" else partial(_parse_quoted, multiline=True)
            tail = rest
            try:
                value, end = parse(tail, 0, number)
            except _Unterminated:
                # it continues on the next lines: hand the parser everything from here on
                tail = "\n".join([rest, *(line.raw for line in self.lines[i + 1 :])])
                value, end = parse(tail, 0, number)
            consumed = tail[:end].count("\n")
            after = tail[end:].split("\n", 1)[0].strip()
            if after and not after.startswith("#"):
                raise CardError(f"line {number + consumed}: unexpected text after a value: {after!r}")
            return value, i + consumed + 1
        return self.parse_plain(rest, i, indent)

    def parse_plain(self, rest: str, i: int, indent: int) -> tuple[Any, int]:
        number = self.lines[i].number
        first = rest[: _plain_end(rest)].rstrip()
        if re.search(r":(?:[ \t]|\Z)", first):
            raise CardError(f"line {number}: a plain value cannot contain ': ' (quote it)")
        parts, blank_run, j = [first], 0, i + 1
        while j < len(self.lines):  # folded continuation lines, more indented than the owner
            line = self.lines[j]
            if not line.text:
                blank_run, j = blank_run + 1, j + 1
                continue
            if line.indent <= indent or line.text.startswith("#"):
                break
            text = line.text[: _plain_end(line.text)].rstrip()
            if re.search(r":(?:[ \t]|\Z)", text) or line.text.startswith("- "):
                raise CardError(f"line {line.number}: unexpected mapping or sequence inside a plain value")
            parts.append("\n" * blank_run if blank_run else " ")
            parts.append(text)
            blank_run, j = 0, j + 1
            if text != line.text:  # a comment ends the scalar
                break
        if len(parts) == 1:
            return _resolve_plain(first), i + 1
        return "".join(parts), j - blank_run

    def parse_block_scalar(self, header: str, i: int, indent: int) -> tuple[str, int]:
        number = self.lines[i].number
        match = _BLOCK_HEADER.match(header)
        if match is None or (match.group(2) and match.group(4)):
            raise CardError(f"line {number}: invalid block scalar header {header!r}")
        style, chomp, explicit = match.group(1), match.group(2) or match.group(4), match.group(3)
        content_indent = max(indent, 0) + int(explicit) if explicit else None
        body: list[str] = []
        j = i + 1
        while j < len(self.lines):
            raw = self.lines[j].raw
            if not raw.strip():
                body.append("")
                j += 1
                continue
            line_indent = len(raw) - len(raw.lstrip(" "))
            if content_indent is None:
                if line_indent <= indent:
                    break
                content_indent = line_indent
            if line_indent < content_indent:
                break
            body.append(raw[content_indent:])
            j += 1
        kept = len(body)
        while kept and not body[kept - 1]:
            kept -= 1
        content, trailing = body[:kept], len(body) - kept
        text = "\n".join(content) if style == "|" else _fold(content)
        if chomp == "+":
            text += "\n" * (trailing + 1 if content else trailing)
        elif chomp == "" and content:
            text += "\n"
        return text, j


def _fold(lines: list[str]) -> str:
    """Folded (`>`) block scalar lines: single breaks between plain lines become spaces."""
    out: list[str] = []
    empty = 0
    previous_normal: bool | None = None
    for line in lines:
        if not line:
            empty += 1
            continue
        normal = not line.startswith((" ", "\t"))
        if previous_normal is None:
            out.append("\n" * empty)
        elif previous_normal and normal:
            out.append("\n" * empty if empty else " ")
        else:
            out.append("\n" * (empty + 1))
        out.append(line)
        empty, previous_normal = 0, normal
    return "".join(out)


def parse_front_matter(text: str) -> dict[str, Any] | None:
    """The README's YAML metadata block as a dict; None when there is no `---` block.

    Raises `CardError` ("line N: ...", N counted in the README) for invalid or
    unsupported YAML, and when the block is not a mapping. An empty block is `{}`.

    ```python
    assert parse_front_matter("# no metadata") is None
    assert parse_front_matter("---\\nlicense: mit\\n---\\n") == {"license": "mit"}
    ```
    """
    text = text.removeprefix("\ufeff")
    match = _BLOCK.match(text)
    if match is None:
        return None
    first_number = text[: match.start(1)].count("\n") + 1
    value = _Parser(match.group(1), first_number).parse_document()
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CardError(f"line {first_number}: the metadata must be a mapping of keys to values")
    return value


# License ids the Hub knows (its license picker); anything else gets a warning, not an error.
_LICENSES = frozenset(
    [
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    ]
)
# Fields the Hub indexes: a string or a list of strings.
_STRING_OR_LIST = ("license", "language", "tags", "datasets", "metrics", "base_model", "library_name")


def validate_card(text: str, repo_type: str) -> tuple[list[str], list[str]]:
    """What `POST /api/validate-yaml` answers for a README: `(errors, warnings)`.

    Errors: invalid or unsupported YAML, metadata that is not a mapping, indexed fields
    (`license`, `tags`, `language`, ...) that are not strings or lists of strings.
    Warnings: license ids the Hub does not know. A README without metadata is valid.

    ```python
    assert validate_card("---\\nlicense: mit\\n---\\n", "model") == ([], [])
    assert validate_card("---\\nlicense: my-own\\n---\\n", "model")[1]
    ```
    """
    if repo_type not in ("model", "dataset", "space"):
        raise ValueError(f"unknown repo type {repo_type!r}")
    try:
        meta = parse_front_matter(text)
    except CardError as exc:
        return [f"Invalid YAML in README.md metadata: {exc}"], []
    errors: list[str] = []
    warnings: list[str] = []
    for field in _STRING_OR_LIST:
        value = (meta or {}).get(field)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            errors.append(f'"{field}" must be a string or a list of strings')
        elif field == "license":
            unknown = [v for v in values if v.lower() not in _LICENSES]
            if unknown:
                warnings.append(f"unknown license id(s) {', '.join(unknown)}: use 'other' with license_name")
    return errors, warnings
