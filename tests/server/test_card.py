"""README front matter: the strict YAML-subset parser and `validate-yaml`."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hubflow.server._card import CardError, parse_front_matter, validate_card


def _card(yaml_text: str) -> str:
    return f"---\n{yaml_text}---\n# Title\n\nBody text.\n"


VALID = [
    ("license: mit\n", {"license": "mit"}),
    ("tags: [a, b, 'c d']\n", {"tags": ["a", "b", "c d"]}),
    ("tags:\n- a\n- b\n", {"tags": ["a", "b"]}),
    ("tags:\n  - a\n  - b\n", {"tags": ["a", "b"]}),
    (
        "n: 3\nneg: -7\nf: 0.5\ne: 1e3\nhex: 0x1F\noct: 0o17\ninf: .inf\n",
        {"n": 3, "neg": -7, "f": 0.5, "e": 1000.0, "hex": 31, "oct": 15, "inf": math.inf},
    ),
    ("t: true\nf: False\ny: yes\nn: no\n", {"t": True, "f": False, "y": "yes", "n": "no"}),
    ("a: null\nb: ~\nc:\nd: Null\n", {"a": None, "b": None, "c": None, "d": None}),
    ("date: 2023-01-01\nver: 1.2.3\n", {"date": "2023-01-01", "ver": "1.2.3"}),
    ("s: 'it''s'\nd: \"a\\tb\\n\\u00e9\\\"\"\n", {"s": "it's", "d": 'a\tb\né"'}),
    ("q: '123'\nr: \"true\"\n", {"q": "123", "r": "true"}),
    (
        "url: https://example.com/a#b\nlang: C#\nratio: a:b\n",
        {"url": "https://example.com/a#b", "lang": "C#", "ratio": "a:b"},
    ),
    ("a: value # a comment\n# whole line\nb: 'x # y'\n", {"a": "value", "b": "x # y"}),
    ('key with spaces: v\n"quoted: key": 1\n', {"key with spaces": "v", "quoted: key": 1}),
    (
        "m: {a: 1, b: [x, y], c: {d: null}, e}\n",
        {"m": {"a": 1, "b": ["x", "y"], "c": {"d": None}, "e": None}},
    ),
    ("empty: []\nnone: {}\n", {"empty": [], "none": {}}),
    ("multi: [a,\n  b,   # note\n  c]\n", {"multi": ["a", "b", "c"]}),
    ("plain: this is\n  folded text\n", {"plain": "this is folded text"}),
    ('q: "one\n  two\n\n  three"\n', {"q": "one two\nthree"}),
    (
        "lit: |\n  line 1\n    indented\n  line 3\nnext: 1\n",
        {"lit": "line 1\n  indented\nline 3\n", "next": 1},
    ),
    ("fold: >\n  a\n  b\n\n  c\n", {"fold": "a b\nc\n"}),
    ("strip: |-\n  x\n\nkeep: |+\n  y\n\nz: 1\n", {"strip": "x", "keep": "y\n\n", "z": 1}),
    ("ind: |2\n    deeper\n  base\n", {"ind": "  deeper\nbase\n"}),
    (
        "model-index:\n- name: my-model\n  results:\n  - task:\n      type: text-classification\n"
        "    dataset:\n      name: imdb\n      type: imdb\n    metrics:\n    - type: accuracy\n"
        "      value: 0.93\n",
        {
            "model-index": [
                {
                    "name": "my-model",
                    "results": [
                        {
                            "task": {"type": "text-classification"},
                            "dataset": {"name": "imdb", "type": "imdb"},
                            "metrics": [{"type": "accuracy", "value": 0.93}],
                        }
                    ],
                }
            ]
        },
    ),
    ("nested:\n- - a\n  - b\n- - c\n", {"nested": [["a", "b"], ["c"]]}),
    ("items:\n-\n  a: 1\n- 2\n-\n", {"items": [{"a": 1}, 2, None]}),
    (
        "widget:\n- text: |\n    Hello\n  example_title: hi\n",
        {"widget": [{"text": "Hello\n", "example_title": "hi"}]},
    ),
    ("# only a comment\n", {}),
    ("", {}),
]


@pytest.mark.parametrize(("yaml_text", "expected"), VALID)
def test_valid_front_matter(yaml_text: str, expected: dict[str, Any]) -> None:
    assert parse_front_matter(_card(yaml_text)) == expected


@pytest.mark.parametrize(("yaml_text", "expected"), VALID)
def test_agrees_with_pyyaml_where_yaml_1_1_and_1_2_agree(yaml_text: str, expected: dict[str, Any]) -> None:
    """PyYAML (a test-only oracle, YAML 1.1) must give the same answer where the versions agree."""
    import yaml  # installed with huggingface_hub (the test extra)

    differ = {"y", "n", "oct", "date", "e"}  # yes/no, 0o17, dates and 1e3 are read differently in 1.1
    oracle = {k: v for k, v in (yaml.safe_load(yaml_text) or {}).items() if k not in differ}
    expected = {k: v for k, v in expected.items() if k not in differ}
    assert oracle == expected


INVALID = [
    ("a: 1\na: 2\n", "line 3: duplicate key 'a'"),
    ("a: [1, 2\n", "line 2: missing ']'"),
    ("a: {x: 1\n", "line 2: missing '}'"),
    ("a: 'open\n", "line 2: unterminated"),
    ("a: &anchor 1\n", "line 2: anchors are not supported"),
    ("a: *alias\n", "line 2: aliases are not supported"),
    ("a: !!str 1\n", "line 2: tags are not supported"),
    ("a: 1\n...\nb: 2\n", "line 3: several YAML documents"),
    ("? complex\n: key\n", "line 2: complex mapping keys"),
    ("a: b: c\n", "line 2: a plain value cannot contain ': '"),
    ("a: 1\n  b: 2\n", "line 3: unexpected mapping or sequence inside a plain value"),
    ("a:\n  b: 1\n c: 2\n", "line 4: bad indentation"),
    ("a: 1\nb:\n  - x\n   - y\n", "line 5: "),
    ("a: 1\n- x\n", "line 3: expected 'key: value'"),
    ("a:\n\t- x\n", "line 3: tabs are not allowed"),
    ("a: - x\n", "line 2: a sequence cannot start on the line of its key"),
    ('a: "\\q"\n', "line 2: unknown escape"),
    ("a: [x] trailing\n", "line 2: unexpected text after a value"),
    ("a: [k: v]\n", "line 2: 'key: value' pairs inside [...] are not supported"),
    ("a: |x\n  y\n", "line 2: invalid block scalar header"),
]


@pytest.mark.parametrize(("yaml_text", "message"), INVALID)
def test_invalid_front_matter(yaml_text: str, message: str) -> None:
    with pytest.raises(CardError) as info:
        parse_front_matter(_card(yaml_text))
    assert str(info.value).startswith(message.split(":")[0] + ":"), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize("top", ["- a\n- b\n", "just a string\n", "42\n", "[a, b]\n"])
def test_top_level_must_be_a_mapping(top: str) -> None:
    with pytest.raises(CardError, match="must be a mapping"):
        parse_front_matter(_card(top))


@pytest.mark.parametrize(
    "text",
    ["# Title\n\nno metadata\n", "", "---\nlicense: mit\n", "text\n---\na: 1\n---\n", "----\na: 1\n----\n"],
)
def test_no_front_matter_block(text: str) -> None:
    assert parse_front_matter(text) is None


def test_block_delimiters() -> None:
    assert parse_front_matter("---\r\nlicense: mit\r\ntags:\r\n- a\r\n---\r\nbody") == {
        "license": "mit",
        "tags": ["a"],
    }
    assert parse_front_matter("\ufeff---\na: 1\n---") == {"a": 1}
    assert parse_front_matter("\n\n---\na: 1\n---\n") == {"a": 1}
    assert parse_front_matter("---\n---\n# empty\n") == {}
    # only the first block counts; a later "---" is Markdown (a rule)
    assert parse_front_matter("---\na: 1\n---\ntext\n---\nb: 2\n---\n") == {"a": 1}
    # line numbers are counted in the README
    with pytest.raises(CardError, match=r"^line 5: duplicate key"):
        parse_front_matter("\n\n---\na: 1\na: 2\n---\n")


def test_validate_card() -> None:
    assert validate_card("# no metadata\n", "model") == ([], [])
    assert validate_card(_card("license: apache-2.0\ntags: [a]\nlanguage: en\n"), "dataset") == ([], [])
    errors, warnings = validate_card(_card("license: [oops\n"), "model")
    assert len(errors) == 1 and "line 2" in errors[0] and warnings == []
    errors, _ = validate_card(_card("tags: 3\nlicense: {a: 1}\n"), "model")
    assert errors == [
        '"license" must be a string or a list of strings',
        '"tags" must be a string or a list of strings',
    ]
    errors, warnings = validate_card(_card("license: my-own-license\n"), "space")
    assert errors == [] and len(warnings) == 1 and "my-own-license" in warnings[0]
    assert validate_card(_card("- a\n"), "model")[0]
    with pytest.raises(ValueError, match="unknown repo type"):
        validate_card("", "bucket")
