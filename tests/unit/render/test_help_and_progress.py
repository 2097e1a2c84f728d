"""The help message and the progress bar helper."""

import math

from bot.render import limits
from bot.render.help import MEMBER_COMMANDS, help_message
from bot.render.progress import bar


def test_help_lists_every_member_command_in_one_message():
    message = help_message()
    assert message.embed.title == "Study Companion"
    for usage, _ in MEMBER_COMMANDS:
        assert f"`{usage}`" in message.embed.description
    assert limits.fits(message)


def test_help_with_a_huge_command_list_still_fits_and_says_what_was_left_out():
    commands = [(f"/roadmap command-{i}", "does something useful " * 3) for i in range(300)]
    message = help_message(commands)
    assert limits.fits(message)
    assert message.embed.description.splitlines()[-1].startswith("… and ")


def test_bar_fills_in_proportion_and_is_full_only_when_done():
    assert bar(0, 10) == "░" * 10
    assert bar(0.35, 10) == "███░░░░░░░"
    assert bar(0.7, 10) == "███████░░░"
    assert bar(0.999, 10) == "█████████░"
    assert bar(1, 10) == "█" * 10


def test_bar_clamps_odd_input():
    assert bar(-1, 4) == "░░░░"
    assert bar(7, 4) == "████"
    assert bar(math.nan, 4) == "░░░░"
    assert bar(0.5, 0) == ""
