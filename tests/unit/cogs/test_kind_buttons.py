"""The buttons of the custom_ids kinds (bot/cogs/kind_buttons.py): each registers its kind's
template, a press reads the id back, an id that is not canonical belongs to nobody, a DM's
button is the presser's only in a DM, and labels and styles follow the id."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.cogs.account import ForgetButton
from bot.cogs.check_yourself import CheckAnswerButton, CheckStartButton, DmCheckAnswerButton
from bot.cogs.daily_buttons import DailyPostItem, NotifyMeItem
from bot.cogs.kind_buttons import KindButton
from bot.cogs.reminder_buttons import ReminderMemberItem, ReminderTopicItem
from bot.cogs.study_loop import (
    DmReviewAnswerButton,
    DmReviewRatingButton,
    ReviewAnswerButton,
    ReviewRatingButton,
    UnversionedDmRatingButton,
    UnversionedRatingButton,
)
from bot.cogs.topic_card import TopicButton
from bot.render import custom_ids as ids
from bot.services.self_check import Progress

GUILD, MEMBER, OTHER = 10**18, 10**18 + 1, 10**18 + 2
SPECS: list[tuple[type[KindButton[Any]], Any]] = [
    (CheckStartButton, ids.CheckStart(MEMBER, "python", "loops")),
    (CheckAnswerButton, ids.CheckAnswer(MEMBER, "python", "loops", Progress((True,)), "0a1b", 2)),
    (ReviewAnswerButton, ids.ReviewAnswer(MEMBER, "python", "loops", 1, "0a1b", 0)),
    (ReviewRatingButton, ids.ReviewRating(MEMBER, "python", "loops", 3, 1_796_000_000)),
    (ReminderTopicItem, ids.ReminderTopicButton("e", GUILD, MEMBER, "python", "loops")),
    (ReminderMemberItem, ids.ReminderMemberButton("x", GUILD, MEMBER)),
    (DailyPostItem, ids.DailyPostButton("c", "python", "loops")),
    (NotifyMeItem, ids.NotifyMe(GUILD + 5)),
    (TopicButton, ids.TopicPress("ex", MEMBER, "python", "loops")),
    (ForgetButton, ids.ForgetAnswer("yes", MEMBER)),
    (UnversionedRatingButton, ids.UnversionedRating(MEMBER, "python", "loops", 3)),
    (UnversionedDmRatingButton, ids.UnversionedDmRating(GUILD, "python", "loops", 3)),
]
DM_SPECS: list[tuple[type[KindButton[Any]], Any]] = [
    (DmCheckAnswerButton, ids.DmCheckAnswer.of(GUILD, SPECS[1][1])),
    (DmReviewAnswerButton, ids.DmReviewAnswer.of(GUILD, SPECS[2][1])),
    (DmReviewRatingButton, ids.DmReviewRating.of(GUILD, SPECS[3][1])),
]


def _interaction(user_id: int, guild_id: int | None) -> Any:
    # from_custom_id reads only who pressed and where.
    return SimpleNamespace(user=SimpleNamespace(id=user_id), guild_id=guild_id)


async def _press(button: type[KindButton[Any]], custom_id: str, interaction: Any) -> Any:
    match = button.kind.TEMPLATE.fullmatch(custom_id)
    assert match is not None, custom_id
    return await button.from_custom_id(interaction, None, match)  # type: ignore[arg-type]


def test_every_kind_has_its_button_and_each_registers_the_kinds_template() -> None:
    assert {type(spec) for _, spec in SPECS + DM_SPECS} == {*ids.KINDS, *ids.OLDER_KINDS}
    for button, spec in SPECS + DM_SPECS:
        assert button.kind is type(spec)
        assert button.__discord_ui_compiled_template__ is type(spec).TEMPLATE


@pytest.mark.parametrize("button, spec", SPECS, ids=lambda v: getattr(v, "__name__", ""))
async def test_a_press_reads_the_id_back(button: type[KindButton[Any]], spec: Any) -> None:
    pressed = await _press(button, spec.custom_id, _interaction(OTHER, GUILD))
    assert type(pressed) is button and pressed.spec == spec
    assert pressed.custom_id == spec.custom_id
    assert getattr(pressed, "owner_id", MEMBER) == MEMBER  # owned: the id's member, not the presser


@pytest.mark.parametrize(
    "button, spec",
    [(b, s) for b, s in SPECS if b is not DailyPostItem],  # its parts are all canonical
    ids=lambda v: getattr(v, "__name__", ""),
)
async def test_an_id_that_is_not_canonical_belongs_to_nobody(
    button: type[KindButton[Any]], spec: Any
) -> None:
    # The pattern takes 13 base-36 digits, but these are over 64 bits; the older ids' decimal
    # with a leading zero: no button carries either.
    if isinstance(spec, ids.TopicPress | ids.ForgetAnswer):
        custom_id = spec.custom_id.replace(str(MEMBER), f"0{MEMBER}", 1)
    else:
        first = {ids.NotifyMe: "role_id", ids.UnversionedDmRating: "guild_id"}.get(type(spec))
        snowflake = ids.to_base36(getattr(spec, first) if first else MEMBER)
        custom_id = spec.custom_id.replace(snowflake, "z" * 13, 1)
    assert custom_id != spec.custom_id and type(spec).parse(custom_id) is None
    pressed = await _press(button, custom_id, _interaction(MEMBER, GUILD))
    assert pressed.spec is None and pressed.custom_id == custom_id
    assert getattr(pressed, "owner_id", 0) == 0  # refused to everyone (nobody has id 0)


@pytest.mark.parametrize("button, spec", DM_SPECS, ids=lambda v: getattr(v, "__name__", ""))
async def test_a_dm_button_is_the_pressers_in_a_dm_only(
    button: type[KindButton[Any]], spec: Any
) -> None:
    in_dm = await _press(button, spec.custom_id, _interaction(MEMBER, None))
    assert in_dm.custom_id == spec.custom_id  # the DM's id, naming the server
    assert in_dm.spec == spec.for_member(MEMBER) and in_dm.owner_id == MEMBER
    assert in_dm.dm_guild_id == GUILD
    in_server = await _press(button, spec.custom_id, _interaction(MEMBER, GUILD))
    assert in_server.owner_id == 0 and in_server.spec is not None  # pressed nowhere it belongs


def test_labels_and_styles_follow_the_spec() -> None:
    done = ReminderTopicItem(ids.ReminderTopicButton("d", GUILD, MEMBER, "python", "loops"))
    stop = ReminderMemberItem(ids.ReminderMemberButton("x", GUILD, MEMBER))
    review = ReminderMemberItem(ids.ReminderMemberButton("r", GUILD, MEMBER))
    assert (done.item.label, done.item.style.name) == ("Done", "success")
    assert (stop.item.label, stop.item.style.name) == ("Stop reminders", "danger")
    assert review.item.style.name == "secondary"
    start = CheckStartButton(SPECS[0][1])
    assert (start.item.label, start.item.style.name) == ("Check yourself", "primary")
    answer = CheckAnswerButton(SPECS[1][1], "B) a loop")
    assert (answer.item.label, answer.item.style.name) == ("B) a loop", "secondary")
    example = TopicButton(ids.TopicPress("ex", MEMBER, "python", "loops"))
    pick = TopicButton(ids.TopicPress("pick", MEMBER, "python", "loops"), "Loops, at last")
    assert (example.item.label, example.item.style.name) == ("Show example", "primary")
    assert (pick.item.label, pick.custom_id) == (
        "Loops, at last",
        f"study:pick:{MEMBER}:python:loops",
    )
    delete = ForgetButton(ids.ForgetAnswer("yes", MEMBER))
    keep = ForgetButton(ids.ForgetAnswer("no", MEMBER))
    assert (delete.item.label, delete.item.style.name) == ("Delete my data", "danger")
    assert (keep.item.label, keep.item.style.name) == ("Keep it", "secondary")
    assert keep.custom_id == f"study:forget:no:{MEMBER}"  # the ids written before, unchanged
