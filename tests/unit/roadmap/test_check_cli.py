"""`python -m bot check`: what a content maintainer reads, and the exit codes scripts rely on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.check import run_check
from tests.unit.roadmap.helpers import BROKEN, FIXTURES, VALID

ROOT = Path(__file__).parents[3]


def run(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = run_check(folder)
    out = capsys.readouterr()
    assert out.err == ""
    return code, [line.replace(f"{folder}/", "") for line in out.out.splitlines()]


def broken(name: str) -> Path:
    return next(f for f in BROKEN if f.name == name)


def test_valid_content_prints_only_the_summary(tmp_path, capsys) -> None:
    shutil.copy(VALID, tmp_path)

    assert run(tmp_path, capsys) == (0, ["1 roadmap, 2 stages, 4 topics, 2 examples: OK"])


def test_the_shipped_content_passes(capsys) -> None:
    code, lines = run(ROOT / "content", capsys)

    assert code == 0
    assert lines[-1].endswith(": OK"), lines


def test_warnings_are_printed_and_still_exit_zero(tmp_path, capsys) -> None:
    shutil.copy(broken("warnings.yaml"), tmp_path)

    code, lines = run(tmp_path, capsys)

    assert code == 0
    assert len(lines) == 9
    assert lines[0].startswith("warnings.yaml:12:18: stages[0].topics[0].summary: warning: ")
    assert lines[-1] == "1 roadmap, 1 stage, 3 topics, 2 examples: OK (8 warnings)"


def test_errors_of_all_files_then_a_count(tmp_path, capsys) -> None:
    for name in ("replaces.yaml", "warnings.yaml"):
        shutil.copy(broken(name), tmp_path)

    code, lines = run(tmp_path, capsys)

    assert code == 1
    assert lines[0] == (
        "replaces.yaml:13:20: stages[0].topics[0].replaces[0]: topic 'syntax' cannot replace itself"
    )
    assert [line.split(":", 1)[0] for line in lines[:-1]] == ["replaces.yaml"] * 4 + [
        "warnings.yaml"
    ] * 8
    assert lines[-1] == "2 roadmaps, 2 stages, 5 topics, 2 examples: 4 errors, 8 warnings"


def test_messages_too_big_for_discord_point_at_the_content(tmp_path, capsys) -> None:
    text = VALID.read_text()
    text = text.replace("        title: Functions\n", "        title: " + "Functions " * 30 + "\n")
    long_summary = "Requests and responses. " * 200
    text = text.replace(
        "        summary: Requests, responses, methods and status codes.\n",
        f"        summary: {long_summary}\n",
    )
    (tmp_path / "mini.yaml").write_text(text)

    code, lines = run(tmp_path, capsys)

    assert code == 1
    assert lines == [
        "mini.yaml:26:16: stages[0].topics[1].title: "
        "topic card title is 299 characters; Discord allows 256",
        "mini.yaml:26:16: stages[0].topics[1].title: "
        "daily post title is 299 characters; Discord allows 256",
        "mini.yaml:40:18: stages[1].topics[0].summary: warning: "
        "summary is 4799 characters; keep it under 600 so it reads well in Discord",
        "mini.yaml:40:18: stages[1].topics[0].summary: "
        "topic card description is 4799 characters; Discord allows 4096",
        "mini.yaml:40:18: stages[1].topics[0].summary: "
        "daily post description is 4799 characters; Discord allows 4096",
        "1 roadmap, 2 stages, 4 topics, 2 examples: 4 errors, 1 warning",
    ]


def test_structural_and_size_errors_come_in_one_round(tmp_path, capsys) -> None:
    text = VALID.read_text()
    # A structural error in one topic (an unknown key) and one in a stage's own field...
    text = text.replace("        title: Syntax and data types\n", "        titel: Syntax\n")
    text = text.replace("    summary: How a backend talks to its clients.\n", "    summary: 42\n")
    # ...and a card too big for Discord in a topic that is fine on its own.
    text = text.replace("        title: Functions\n", "        title: " + "Functions " * 30 + "\n")
    (tmp_path / "mini.yaml").write_text(text)

    code, lines = run(tmp_path, capsys)

    assert code == 1
    assert lines == [
        "mini.yaml:19:9: stages[0].topics[0]: missing required key 'title'",
        "mini.yaml:20:9: stages[0].topics[0].titel: unknown key 'titel' (did you mean 'title'?)",
        "mini.yaml:26:16: stages[0].topics[1].title: "
        "topic card title is 299 characters; Discord allows 256",
        "mini.yaml:26:16: stages[0].topics[1].title: "
        "daily post title is 299 characters; Discord allows 256",
        "mini.yaml:36:14: stages[1].summary: expected text, got a number (42); "
        'write it in quotes ("42") to use it as text',
        "1 roadmap, 2 stages, 4 topics, 2 examples: 5 errors",
    ]


def test_a_long_card_in_a_valid_stage_is_found_beside_another_stage_s_errors(
    tmp_path, capsys
) -> None:
    text = VALID.read_text()
    text = text.replace("        title: HTTP/S\n", "        title: " + "HTTP " * 60 + "\n")
    text = text.replace(
        "    title: Learn the basics\n", "    title: Learn the basics\n    colour: 1\n"
    )
    (tmp_path / "mini.yaml").write_text(text)

    code, lines = run(tmp_path, capsys)

    assert code == 1
    assert [line.split(": ", 2)[1] for line in lines[:-1]] == [
        "stages[0].colour",
        "stages[1].topics[0].title",
        "stages[1].topics[0].title",
        "stages[1].topics[0].title",
    ]
    assert lines[1].endswith("topic card title is 299 characters; Discord allows 256")


def test_non_python_examples_that_are_valid_give_a_clean_ok(tmp_path, capsys) -> None:
    # bash, dockerfile, toml, yaml, sql and text examples, and python ones.
    shutil.copy(FIXTURES / "valid" / "teaching.yaml", tmp_path)

    assert run(tmp_path, capsys) == (0, ["1 roadmap, 1 stage, 3 topics, 9 examples: OK"])


@pytest.mark.parametrize(
    ("language", "code", "message"),
    [
        ("yaml", "a: b: c", "YAML example does not parse: mapping values are not allowed here"),
        ("json", '{"a": }', "JSON example does not parse: Expecting value"),
    ],
)
def test_a_data_example_that_does_not_parse_is_an_error(
    tmp_path, capsys, language, code, message
) -> None:
    text = (FIXTURES / "valid" / "teaching.yaml").read_text()
    text = text.replace("language: sql\n            code: SELECT 1;", f"language: {language}\n")
    text = text.replace(
        f"language: {language}\n\n", f"language: {language}\n            code: '{code}'\n"
    )
    (tmp_path / "teaching.yaml").write_text(text)

    code_, lines = run(tmp_path, capsys)

    assert code_ == 1
    assert len(lines) == 2 and lines[0].endswith(f".examples[3].code: {message}"), lines


def test_a_missing_folder_exits_two_with_a_clear_message(tmp_path, capsys) -> None:
    assert run(tmp_path / "nowhere", capsys) == (
        2,
        [f"error: content folder '{tmp_path}/nowhere' does not exist"],
    )


def test_the_real_command_line_exit_codes(tmp_path) -> None:
    valid, invalid = tmp_path / "valid", tmp_path / "invalid"
    valid.mkdir()
    invalid.mkdir()
    shutil.copy(VALID, valid)
    shutil.copy(broken("duplicate_id.yaml"), invalid)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CONTENT_DIR", None)

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "check", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok, bad, missing = check(str(valid)), check(str(invalid)), check("nowhere")
    assert (ok.returncode, ok.stdout) == (0, "1 roadmap, 2 stages, 4 topics, 2 examples: OK\n")
    assert bad.returncode == 1
    assert "duplicate id 'flask' (first at line 10)" in bad.stdout
    assert bad.stdout.endswith(": 2 errors\n")
    assert (missing.returncode, missing.stdout) == (
        2,
        "error: content folder 'nowhere' does not exist\n",
    )
    assert "Traceback" not in ok.stderr + bad.stderr + missing.stderr


def test_a_size_error_in_a_topic_s_examples_points_at_examples_0(tmp_path, capsys) -> None:
    text = (FIXTURES / "valid" / "teaching.yaml").read_text()
    long_title = "A JSON endpoint " * 20
    text = text.replace(
        "          - title: A JSON endpoint\n", f"          - title: {long_title}\n"
    )
    (tmp_path / "teaching.yaml").write_text(text)

    code, lines = run(tmp_path, capsys)

    assert code == 1
    assert {line.split(": ", 2)[1] for line in lines[:-1]} == {
        "stages[0].topics[1].examples[0].title"
    }
    assert lines[0].startswith("teaching.yaml:39:20: ")
