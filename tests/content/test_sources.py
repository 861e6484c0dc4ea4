"""YAML loading: strict, located, never retyping text."""

from pathlib import Path

import pytest

from booklet.content.sources import SourceError, load_source


def load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "c.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_source(path, tmp_path)


def error(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(SourceError) as caught:
        load(tmp_path, text)
    return caught.value.finding.format()


def test_values_keep_their_line_and_column(tmp_path):
    source = load(tmp_path, "title: 甲\nblocks:\n  - paragraph: 乙\n")
    assert source.data == {"title": "甲", "blocks": [{"paragraph": "乙"}]}
    assert source.marks[("blocks", 0, "paragraph")] == (3, 16)
    assert str(source.locate(("blocks", 0, "paragraph", "deeper"))) == "c.yaml:3:16"


def test_text_is_never_retyped(tmp_path):
    data = load(tmp_path, "a: NO\nb: 0644\nc: yes\nd: 2021-07-01\ne: 12\nf: 1.5\ng: true\n").data
    assert data == {"a": "NO", "b": "0644", "c": "yes", "d": "2021-07-01", "e": 12, "f": 1.5, "g": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: 1\nb: 2\na: 3\n",
            "c.yaml:3:1: error: a: duplicate key 'a' (first at line 1) [yaml.duplicate-key]",
        ),
        ("a: &x 1\nb: *x\n", "c.yaml:2:4: error: anchors and aliases are not allowed [yaml.alias]"),
        (
            "a: !!python/object/apply:os.system [ls]\n",
            "c.yaml:1:4: error: a: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed [yaml.tag]",
        ),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "[yaml.too-deep]"),
        ("a:\n\t- b\n", "c.yaml:2:1: error: found character '\\t' that cannot start any token"),
        ("a: [1, 2\n", "[yaml.syntax]"),
    ],
)
def test_bad_yaml_is_a_located_error(tmp_path, text, expected):
    assert expected in error(tmp_path, text)


def test_invalid_utf8_names_line_and_column(tmp_path):
    assert error(tmp_path, b"a: ok\nb: \xff\n") == (
        "c.yaml:2:4: error: invalid UTF-8 (byte 0xff); save the file as UTF-8 [yaml.encoding]"
    )


def test_oversized_file_is_refused(tmp_path):
    assert "[yaml.too-large]" in error(tmp_path, "a: " + "字" * 1_000_000 + "\n")


def test_a_million_nested_brackets_do_not_crash(tmp_path):
    assert "[yaml.too-deep]" in error(tmp_path, "a: " + "[" * 50_000 + "]" * 50_000)
