"""`python -m bot preview`: the exact message the bot would send, printed for proofreading."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli.preview import run_preview

REPO = Path(__file__).resolve().parents[3]
CONTENT = REPO / "content"
TODAY = date(2026, 11, 23)


def preview(capsys, what, *args, roadmap=None, content=CONTENT, raw=True):
    code = run_preview(
        what, list(args), roadmap_id=roadmap, content_dir=content, today=TODAY, raw=raw
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_next_reads_as_a_member_sees_it_buttons_included(capsys):
    code, out, err = preview(capsys, "next", raw=False)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == [
        "Stage 1/6 · Learn the basics of Python",
        "The command line, venv and pip",
        "",
    ]
    assert "Example: A new project with its own environment" in lines  # bold as read
    assert "    mkdir hello-backend && cd hello-backend" in lines  # code indented, no fences
    assert not any(line.startswith("```") for line in lines)
    practice = lines.index("Practice")
    assert lines[practice + 1].startswith("  Create a folder for a practice project")
    resources = lines.index("Resources")
    assert lines[resources + 1] == (
        "  • Python Packaging User Guide: pip and virtual environments · docs"
    )
    # 32 topics, of which the member picks one of the three frameworks: 30 to do. The one
    # example is on the card already, so there is no Show example button.
    assert lines[-3:] == [
        "About 45 min · 3 self-check questions",
        "Stage 1/6 · 0 of 30 topics · 0%",
        "[ Done ]  [ Skip ]",
    ]


def test_the_readme_card_is_what_preview_next_prints(capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What `/roadmap next` shows", 1)[1]
    shown = section.split("```text\n", 1)[1].split("\n```", 1)[0]
    assert shown + "\n" == preview(capsys, "next", raw=False)[1]


def test_next_raw_shows_the_parts_and_their_sizes(capsys):
    code, out, err = preview(capsys, "next")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [
        "--- embed ---",
        "author: Stage 1/6 · Learn the basics of Python",
        "title: The command line, venv and pip",
        "description:",
    ]
    assert "  **Example: A new project with its own environment**" in lines
    assert "  ```bash" in lines
    assert 'field "Practice":' in lines and 'field "Resources":' in lines
    assert "footer:" in lines and "  Stage 1/6 · 0 of 30 topics · 0%" in lines
    assert lines[-1].startswith("sizes: description ")


def test_stage_by_id_or_title_shows_every_topic_not_started(capsys):
    code, out, _ = preview(capsys, "stage", "web-framework")
    assert code == 0
    assert "title: Stage 3/6 · Learn a Python web framework" in out
    # The choice group heads its topics, each with its time; the counts follow the pick.
    assert (
        "  **Pick one framework** (1 of 3):\n"
        "  \u2003⬜ Django · 4 h\n  \u2003⬜ Flask · 3 h\n  \u2003⬜ FastAPI · 3 h"
    ) in out
    assert 'field "Checkpoint project: A small JSON API":' in out
    assert "  0 of 1 done\n  About 3 h 20 min for this stage · about " in out
    assert preview(capsys, "stage", "Learn a Python web framework")[1] == out


def test_a_topic_with_two_examples_shows_one_and_offers_the_other(capsys):
    code, out, _ = preview(capsys, "topic", "schema-migrations", raw=False)
    assert code == 0
    lines = out.splitlines()
    assert "Example: The everyday commands" in lines
    more = lines.index("More examples")
    assert lines[more + 1].startswith("  • What a migration's upgrade() does")
    assert "Checkpoint project: Give your API a database" in lines  # the stage's last topic
    assert lines[-1] == "[ Done ]  [ Skip ]  [ Show example ]"
    # The first topic of a stage carries no checkpoint.
    assert "Checkpoint project:" not in preview(capsys, "topic", "sql", raw=False)[1]


def test_an_unknown_stage_gets_suggestions_and_exit_1(capsys):
    code, out, err = preview(capsys, "stage", "web")
    assert (code, out) == (1, "")
    assert err.startswith("Unknown stage 'web'. Did you mean 'web-fundamentals'")


def test_a_hopeless_stage_lists_the_real_ones(capsys):
    code, _, err = preview(capsys, "stage", "zzzzzzzz")
    assert code == 1
    assert err.splitlines()[-1] == (
        "Stages: basics, web-fundamentals, web-framework, databases, advanced, next-steps"
    )


def test_example_of_a_stage_and_of_a_topic_in_it(capsys):
    code, out, _ = preview(capsys, "example", "databases")
    assert code == 0
    assert "title: Example: SQLAlchemy 2.0 ORM" in out
    assert "  with Session(engine) as session:" in out
    # A topic with its own example shows that one, not its stage's.
    _, topic, _ = preview(capsys, "example", "databases", "orms")
    assert "title: Example: Related models, loaded without N+1 queries" in topic
    assert "SQLAlchemy 2.0 ORM" not in topic


def test_example_errors(capsys):
    code, _, err = preview(capsys, "example", "basics", "flask")
    assert (code, err) == (
        1,
        "Topic 'flask' is in stage 3 'web-framework': "
        "python -m bot preview example web-framework flask\n",
    )
    code, _, err = preview(capsys, "example", "next-steps")
    assert (code, err) == (1, "The stage 'next-steps' has no example.\n")
    code, _, err = preview(capsys, "example", "basics", "nope-nope")
    assert code == 1 and err.startswith("Unknown topic 'nope-nope'.")


def test_daily_n_is_the_nth_post_of_a_new_schedule_and_wraps(capsys):
    code, out, _ = preview(capsys, "daily", "5")
    assert code == 0
    assert "title: The command line, venv and pip" not in out
    assert "title: Functions" in out
    assert "  Topic of the day · 2026-11-27 · 5 of 32" in out
    assert 'field "Your turn":' in out
    _, wrapped, _ = preview(capsys, "daily", "33")
    assert "title: The command line, venv and pip" in wrapped
    assert "  Topic of the day · 2026-12-25 · 1 of 32" in wrapped


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("next", "extra"), "preview next takes no arguments"),
        (("stage",), "preview stage takes STAGE"),
        (("example", "a", "b", "c"), "preview example takes STAGE [TOPIC]"),
        (("daily", "0"), "N must be a whole number from 1 up, not '0'"),
        (("daily", "tomorrow"), "N must be a whole number from 1 up, not 'tomorrow'"),
        (("dance",), "unknown preview 'dance'"),
    ],
)
def test_bad_usage_exits_2(capsys, args, message):
    code, out, err = preview(capsys, *args)
    assert (code, out) == (2, "")
    assert err.splitlines() == [message, err.splitlines()[1]]
    assert err.splitlines()[1].startswith("usage: python -m bot preview next")


def test_an_unknown_roadmap_exits_1(capsys):
    code, _, err = preview(capsys, "next", roadmap="zzzzzzzzzzzz")
    assert code == 1
    assert err.startswith("Unknown roadmap 'zzzzzzzzzzzz'.")


def test_invalid_content_prints_its_errors_and_exits_1(capsys, tmp_path):
    (tmp_path / "broken.yaml").write_text("id: Not Kebab\ntitle: x\n", encoding="utf-8")
    code, out, err = preview(capsys, "next", content=tmp_path)
    assert (code, out) == (1, "")
    assert "broken.yaml:1:5: id: id 'Not Kebab' must be lowercase-kebab" in err
    assert err.splitlines()[-1].startswith(f"The content in {tmp_path} has errors")


def test_a_missing_content_folder_exits_2(capsys, tmp_path):
    code, _, err = preview(capsys, "next", content=tmp_path / "nowhere")
    assert code == 2 and err.startswith("error: ")


LONG_EXAMPLE_ROADMAP = """\
id: tiny
title: Tiny
summary: A roadmap with one long example.
stages:
  - id: only
    title: Only stage
    summary: Just one.
    topics:
      - id: big-topic
        title: Big topic
        summary: It has a long example.
        example:
          title: Long code
          code: |
{code}
"""


def test_a_long_example_is_listed_as_an_attachment(capsys, tmp_path):
    code_lines = "\n".join(f"            value_{i} = {i}" for i in range(600))
    (tmp_path / "tiny.yaml").write_text(
        LONG_EXAMPLE_ROADMAP.format(code=code_lines), encoding="utf-8"
    )
    size = len("\n".join(f"value_{i} = {i}" for i in range(600))) + 1
    code, out, _ = preview(capsys, "example", "only", "big-topic", roadmap="tiny", content=tmp_path)
    assert code == 0
    note = "The code is too long for a message, so it is attached as `big-topic.py` (600 lines)."
    assert f"  {note}" in out
    assert f"attachment: big-topic.py ({size} bytes)" in out.splitlines()


def run_cli(cwd: Path, *args: str) -> str:
    """`python -m bot preview ARGS` in a real process; its stdout (it must exit 0)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "preview", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_real_command_line_prints_the_same(tmp_path, capsys):
    def command_line(*flags: str) -> str:
        return run_cli(tmp_path, "next", "--content", str(CONTENT), *flags)

    assert command_line() == preview(capsys, "next", raw=False)[1]
    assert command_line("--raw").splitlines()[2] == "title: The command line, venv and pip"


MINI = REPO / "tests" / "unit" / "roadmap" / "fixtures" / "valid" / "mini.yaml"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    (tmp_path / "mini.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_topic_shows_any_topic_s_card_as_a_member_reads_it(capsys, mini):
    code, out, err = preview(capsys, "topic", "http", content=mini, raw=False)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [
        "Stage 2/2 · Web fundamentals",
        "HTTP/S",
        "",
        "Requests, responses, methods and status codes.",
    ]
    assert "Example: A GET request" in lines  # the topic's own example
    assert "    response.raise_for_status()" in lines
    # Its one short example is on the card, so there is no Show example button.
    assert lines[-2:] == ["Stage 2/2 · 0 of 4 topics · 0%", "[ Done ]  [ Skip ]"]


def test_topic_by_title_or_old_id_and_the_first_is_what_next_prints(capsys, mini):
    by_id = preview(capsys, "topic", "functions", content=mini, raw=False)[1]
    assert preview(capsys, "topic", "Functions", content=mini, raw=False)[1] == by_id
    assert preview(capsys, "topic", "old-functions", content=mini, raw=False)[1] == by_id
    # A topic without its own example shows its stage's.
    assert "Example: Read a file" in by_id.splitlines()
    first = preview(capsys, "topic", "syntax", content=mini, raw=False)
    assert first == preview(capsys, "next", content=mini, raw=False)


def test_topic_raw_shows_the_parts(capsys, mini):
    code, out, _ = preview(capsys, "topic", "rest-apis", content=mini)
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "--- embed ---",
        "author: Stage 2/2 · Web fundamentals",
        "title: RESTful APIs",
    ]
    assert 'field "Resources":' in lines
    assert lines[-1].startswith("sizes: description ")


def test_an_unknown_topic_gets_suggestions_and_exit_1(capsys, mini):
    code, out, err = preview(capsys, "topic", "htp", content=mini)
    assert (code, out, err) == (1, "", "Unknown topic 'htp'. Did you mean 'http'?\n")
    code, _, err = preview(capsys, "topic", "zzzzzzzz", content=mini)
    assert code == 1
    assert err.splitlines() == [
        "Unknown topic 'zzzzzzzz'.",
        "Topics: syntax, functions, http, rest-apis",
    ]


def test_topic_needs_exactly_one_topic(capsys, mini):
    for args in ((), ("http", "rest-apis")):
        code, out, err = preview(capsys, "topic", *args, content=mini)
        assert (code, out) == (2, "")
        assert err.splitlines()[0] == "preview topic takes TOPIC"


def test_the_real_command_line_previews_a_topic(capsys, mini):
    shown = run_cli(mini, "topic", "http", "--content", str(mini))
    assert shown == preview(capsys, "topic", "http", content=mini, raw=False)[1]


PICK_FIRST_ROADMAP = """\
id: pick
title: Pick first
summary: A roadmap that opens with a choice.
stages:
  - id: start
    title: Start here
    summary: Choose your way in.
    choices:
      - title: Pick a language
        topics: [python, ruby]
    topics:
      - id: python
        title: Python
        summary: A friendly language. It reads like prose.
        minutes: 30
      - id: ruby
        title: Ruby
        summary: Another friendly language.
"""


def test_next_of_a_roadmap_that_opens_with_a_pick_shows_the_choice_card(capsys, tmp_path):
    (tmp_path / "pick.yaml").write_text(PICK_FIRST_ROADMAP, encoding="utf-8")
    code, out, err = preview(capsys, "next", content=tmp_path, raw=False)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["Stage 1/1 · Start here", "Pick a language"]
    assert "Python · about 30 min" in lines and "A friendly language." in lines
    assert lines[-2:] == ["Stage 1/1 · 0 of 1 topics · 0%", "[ Python ]  [ Ruby ]"]
    # Any one of them still previews as its own card.
    _, card, _ = preview(capsys, "topic", "ruby", content=tmp_path, raw=False)
    assert card.splitlines()[1] == "Ruby"
