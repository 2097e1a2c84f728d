"""Hostile files: refused with one clear line each, in bounded time and memory, never executed.

Run through `run_check` as a maintainer would, and checked for what it prints.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from bot.cli.check import run_check
from bot.roadmap.yaml_source import ALIAS_EXPANSION_BUDGET, MAX_DEPTH


def check_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = run_check(folder)
    out = capsys.readouterr()
    assert out.err == ""
    return code, [line.removeprefix(f"{folder}/") for line in out.out.splitlines()]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        items = ", ".join(f"*a{level - 1}" for _ in range(10))
        lines.append(f"a{level}: &a{level} [{items}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_expanding(tmp_path, capsys) -> None:
    (tmp_path / "bomb.yaml").write_text(billion_laughs())
    tracemalloc.start()
    try:
        code, lines = check_output(tmp_path, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert code == 1
    # Aliases of a1 and a2 repeat 110 + 1110 nodes; the 8th alias of a3 (1111 each) passes 10,000.
    assert lines == [
        f"bomb.yaml:4:45: a3[7]: aliases expand past {ALIAS_EXPANSION_BUDGET} nodes; file refused",
        "0 roadmaps, 0 stages, 0 topics, 0 examples: 1 error",
    ]
    assert peak < 20 * 1024 * 1024  # 10^9 strings would need gigabytes


def test_self_referring_and_undefined_aliases_are_refused(tmp_path, capsys) -> None:
    (tmp_path / "loop.yaml").write_text("id: loop\nstages: &s [*s]\n")
    (tmp_path / "undefined.yaml").write_text("id: undefined\nstages: *nowhere\n")

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert lines[:2] == [
        "loop.yaml:2:13: stages[0]: alias '*s' is inside its own anchor",
        "undefined.yaml:2:9: stages: alias '*nowhere' has no anchor before it",
    ]


def test_a_file_over_one_mebibyte_is_not_read(tmp_path, capsys) -> None:
    (tmp_path / "huge.yaml").write_bytes(b"id: huge\nsummary: " + b"x" * (2 * 1024 * 1024) + b"\n")

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert lines == [
        "huge.yaml: file is 2.0 MiB; content files are limited to 1 MiB",
        "0 roadmaps, 0 stages, 0 topics, 0 examples: 1 error",
    ]


def test_binary_garbage_is_reported_as_not_text(tmp_path, capsys) -> None:
    (tmp_path / "image.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512))
    (tmp_path / "control.yaml").write_bytes(b"id: control\ntitle: bell\x07here\n")

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert lines[:2] == [
        "control.yaml:2:12: invalid YAML: control characters are not allowed",
        "image.yaml:1:1: not UTF-8 text (byte 0x89)",
    ]


def test_python_tags_are_refused_and_never_run(tmp_path, capsys) -> None:
    marker = tmp_path.parent / f"{tmp_path.name}-owned"
    (tmp_path / "evil.yaml").write_text(
        f'id: evil\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n'
    )

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert "evil.yaml:2:8: title: tag '!!python/object/apply:os.system' is not allowed" in lines
    assert not marker.exists()


def test_deep_nesting_is_refused_without_crashing(tmp_path, capsys) -> None:
    # libyaml's own composer recurses in C: this file would kill the process with SIGSEGV.
    depth = 300_000
    (tmp_path / "deep.yaml").write_text("[" * depth + "]" * depth)

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    message = f"nesting deeper than {MAX_DEPTH} levels; file refused"
    assert lines[0] == f"deep.yaml:1:{MAX_DEPTH + 1}: {message}"


def test_something_that_is_not_a_file_is_reported(tmp_path, capsys) -> None:
    (tmp_path / "folder.yaml").mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it would block forever

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert lines[:2] == ["folder.yaml: not a regular file", "pipe.yaml: not a regular file"]


def test_a_second_document_and_an_empty_file_are_errors(tmp_path, capsys) -> None:
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "two.yaml").write_text("id: a\n---\nid: b\n")

    code, lines = check_output(tmp_path, capsys)

    assert code == 1
    assert lines == [
        "empty.yaml: file is empty",
        "two.yaml:2:1: a content file holds one YAML document only",
        "0 roadmaps, 0 stages, 0 topics, 0 examples: 2 errors",
    ]
