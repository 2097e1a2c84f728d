"""Interactions at the edges: a button from an older version (or forged) gets a short answer,
and an interaction Discord no longer accepts is one WARNING line, not an error with a
traceback."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.commands import Forged
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_a_button_no_template_knows_gets_a_short_answer(
    emulator: Emulator, sample: StandardWorld, launch: Launch, caplog: pytest.LogCaptureFixture
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.message is not None
    button = card.message.find_component("Done")
    button["custom_id"] = "study:done:v0-format\nforged"  # what an older version sent

    with caplog.at_level(logging.INFO, logger="bot"):
        pressed = await emulator.click(card, "Done", sample.alice)

    assert pressed.ephemeral
    assert pressed.content == (
        "This button is from an older message; use `/roadmap next` to see your next topic."
    )
    logged = [r.getMessage() for r in caplog.records if "unknown button" in r.getMessage()]
    assert logged == [
        f"unknown button 'study:done:v0-format\\nforged' guild={sample.guild.id} "
        f"member={sample.alice.id}"
    ]


async def test_an_expired_interaction_is_one_warning_line(
    emulator: Emulator, sample: StandardWorld, launch: Launch, caplog: pytest.LogCaptureFixture
) -> None:
    await launch()
    emulator.interaction_deadline = 0.0  # every first answer now comes too late: 10062
    with caplog.at_level(logging.INFO):
        late = await emulator.slash(sample.guild, sample.alice, "roadmap next", until="any")
        await emulator.wait_for(
            lambda: any("10062" in r.getMessage() for r in caplog.records),
            what="the bot to log the refusal",
        )
    assert late.refused and late.refused[0][1]["code"] == 10062
    warnings = [r for r in caplog.records if "10062" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and warnings[0].exc_info is None
    assert warnings[0].getMessage() == (
        f"could not answer /roadmap next guild={sample.guild.id} member={sample.alice.id}: "
        "Discord answered 10062 (the interaction expired)"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_long_option_value_is_quoted_short_and_the_answer_fits(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    typed = "x" * 5_990 + "\n`@everyone"  # Discord lets a string option hold 6,000 characters
    answer = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=typed)
    assert answer.ephemeral and not answer.refused
    assert len(answer.content) <= 2000
    assert answer.content.startswith("Unknown topic `" + "x" * 59 + "…`.")


@pytest.mark.parametrize(
    ("command", "options", "refusal"),
    [
        ("roadmap next", {"public": Forged("yes")}, "The option `public` must be true or false."),
        ("roadmap next", {"public": Forged(1)}, "The option `public` must be true or false."),
        ("roadmap done", {"topic": Forged(["http"])}, "The option `topic` must be text."),
        ("roadmap done", {"topic": Forged({"id": 0})}, "The option `topic` must be text."),
        (
            "roadmap progress",
            {"member": Forged("not-an-id")},
            "The option `member` must be a member.",
        ),
        (
            "roadmap progress",
            {"member": Forged("123456789012345678")},
            "The option `member` must be a member.",
        ),
    ],
    ids=["bool as text", "bool as number", "list", "object", "user not an id", "user unresolved"],
)
async def test_an_option_of_the_wrong_type_gets_a_short_specific_refusal(
    *,
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    command: str,
    options: dict[str, object],
    refusal: str,
) -> None:
    await launch()
    answer = await emulator.slash(sample.guild, sample.alice, command, options)
    assert answer.ephemeral  # never public on a forged `public`
    assert answer.content == refusal
    assert "<" not in answer.content  # no Python repr
