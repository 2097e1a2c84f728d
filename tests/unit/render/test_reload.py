"""The reload answer: headline and lines in a code block, cut to fit with the rest attached."""

from __future__ import annotations

from bot.render.limits import fits
from bot.render.reload import REPORT_FILENAME, reload_report
from bot.roadmap.problems import Problem
from bot.services.content import ReloadOutcome
from tests.unit.render.builders import discord_verdict


def refused(count: int) -> ReloadOutcome:
    problems = tuple(
        Problem(
            "content/backend.yaml",
            10 + n,
            7,
            f"stages[0].topics[{n}].id",
            f"duplicate id 'topic-{n}' (first at line 3)",
        )
        for n in range(count)
    )
    return ReloadOutcome("/roadmap-owner reload", False, problems, 0.1)


def test_a_refused_reload_lists_every_error_in_a_code_block() -> None:
    message = reload_report(refused(2))
    embed = message.embed
    assert embed is not None and embed.title == "Content not reloaded"
    assert embed.description == (
        "Content not reloaded (/roadmap-owner reload): 2 errors; still serving the previous "
        "content.\n\n```text\n"
        "content/backend.yaml:10:7: stages[0].topics[0].id: duplicate id 'topic-0' "
        "(first at line 3)\n"
        "content/backend.yaml:11:7: stages[0].topics[1].id: duplicate id 'topic-1' "
        "(first at line 3)\n"
        "```"
    )
    assert message.files == ()


def test_a_long_report_is_cut_to_fit_and_attached_whole() -> None:
    outcome = refused(200)
    message = reload_report(outcome)
    assert fits(message) and discord_verdict(message) is None
    description = message.embed.description
    assert "… and " in description and "more (see the attached file)" in description
    assert description.endswith("```")
    (attached,) = message.files
    assert attached.filename == REPORT_FILENAME
    text = attached.data.decode()
    assert text.splitlines()[0] == outcome.headline
    assert len(text.splitlines()) == 2 + 200


def test_an_applied_reload_without_changes_is_one_line() -> None:
    outcome = ReloadOutcome("SIGHUP", True, (), 0.1, counts="1 roadmap, 2 stages, 5 topics")
    message = reload_report(outcome)
    assert message.embed.title == "Content reloaded"
    assert message.embed.description == (
        "Content reloaded (SIGHUP): 1 roadmap, 2 stages, 5 topics; no changes."
    )


def test_backticks_in_a_problem_cannot_close_the_code_block() -> None:
    problem = Problem("content/x.yaml", 1, 1, "summary", "text with ``` inside")
    message = reload_report(ReloadOutcome("SIGHUP", False, (problem,), 0.1))
    assert message.embed.description.count("```") == 2


def test_the_report_names_files_inside_the_content_folder_and_the_member_by_mention(
    tmp_path,
) -> None:
    folder = tmp_path / "srv" / "content"
    problem = Problem(str(folder / "python.yaml"), 3, 5, "stages[0].id", "duplicate id 'x'")
    outcome = ReloadOutcome("/roadmap-owner reload by member=1234", False, (problem,), 0.1)
    message = reload_report(outcome, content_dir=folder)
    description = message.embed.description or ""
    assert "python.yaml:3:5: stages[0].id: duplicate id 'x'" in description
    assert str(tmp_path) not in description and "member=1234" not in description
    assert "reload by <@1234>" in description
    refused = Problem(str(folder), None, None, "", "the folder does not exist")
    gone = reload_report(ReloadOutcome("SIGHUP", False, (refused,), 0.1), content_dir=folder)
    assert str(tmp_path) not in (gone.embed.description or "")
    assert "the content folder: the folder does not exist" in (gone.embed.description or "")
