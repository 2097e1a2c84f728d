"""The reminder DM's buttons end to end: Done records the topic in the server the DM names,
another member's press is refused, Stop reminders turns the reminder off after a restart, Check
yourself and Review now run the check and the reviews in the DM and record them in its server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.services.clock import ManualClock
from tests.e2e.conftest import START, Launch
from tests.e2e.test_next import teaching_catalog
from tests.e2e.test_reminders import TICK, reminders
from tests.e2e.test_study_loop import FIRST, TITLES, _answer_all, _button, checked_catalog
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


def _labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(button.get("label")) for button in message.buttons()]


async def test_dm_buttons_act_in_the_dms_server_for_its_member_only(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    await emulator.slash(
        sample.guild, sample.alice, "roadmap remind set", time="14:00", timezone="Europe/Berlin"
    )
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    dm = reminders(emulator, sample.alice)[0]
    labels = _labels(dm)
    assert labels[:2] == ["Done", "Skip"] and labels[-1] == "Stop reminders"
    assert all(len(str(b["custom_id"])) <= 100 for b in dm.buttons())
    topics = bot.content.catalog.default.topics

    refused = await emulator.click(dm, "Done", sample.bob)
    assert refused.ephemeral and "sent to another member" in refused.text()
    bob_card = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert bob_card.embed["title"] == topics[0].title

    done = await emulator.click(dm, "Done", sample.alice)
    assert done.ephemeral and f"In **{sample.guild.name}**:" in done.text()
    assert topics[0].title in done.text()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == topics[1].title  # recorded in the DM's server

    # After a restart the old DM's Stop reminders still works, and no DM comes the next day.
    await bot.close()
    bot = await launch(tick_interval=TICK)
    stop = await emulator.click(dm, "Stop reminders", sample.alice)
    assert stop.ephemeral and "is off" in stop.text() and sample.guild.name in stop.text()
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.alice.id) is None
    again = await emulator.click(dm, "Stop reminders", sample.alice)
    assert "no daily reminder" in again.text()


async def test_set_confirms_by_dm_and_closed_dms_are_told_at_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    answer = await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="18:30")
    assert "**18:30**" in answer.text()
    confirmations = [m for m in emulator.dms(sample.alice) if m.content.startswith("Reminder set")]
    assert len(confirmations) == 1
    assert sample.guild.name in confirmations[0].content and "18:30" in confirmations[0].content

    sample.bob.user.dms_open = False
    refused = await emulator.slash(sample.guild, sample.bob, "roadmap remind set", time="18:30")
    assert refused.ephemeral and "could not send you a DM" in refused.text()
    assert "no reminder was set" in refused.text()
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.bob.id) is None
    assert await bot.get_cog("Reminders").planner.get(sample.guild.id, sample.alice.id)


async def test_the_dm_lists_the_reviews_due_in_its_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch(tick_interval=TICK)
    topics = bot.content.catalog.default.topics
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[0].id)
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    clock.set(START + timedelta(minutes=30))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="day 0")
    assert "review" not in reminders(emulator, sample.alice)[0].content  # done today: not due

    # Weeks later the first topic's review is due, and the DM says so.
    await emulator.slash(sample.guild, sample.alice, "roadmap remind off")
    clock.set(START + timedelta(days=30))
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="12:30")
    clock.set(START + timedelta(days=30, minutes=30))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 2, what="day 30")
    later = reminders(emulator, sample.alice)[1]
    title = topics[0].title
    assert f"🔁 1 review due today in the server: **{title}** (`/roadmap review` there)." in (
        later.content
    )


async def test_dm_check_yourself_and_review_now_record_in_the_dms_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock, tmp_path: Path
) -> None:
    await launch(tick_interval=TICK, catalog=checked_catalog(tmp_path / "content"))
    await emulator.slash(
        sample.guild, sample.alice, "roadmap remind set", time="14:00", timezone="Europe/Berlin"
    )
    clock.set(START + timedelta(hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    dm = reminders(emulator, sample.alice)[0]
    assert "Check yourself" in _labels(dm) and "Review now" not in _labels(dm)  # none due

    # Check yourself runs the topic's check in the DM; passing it is recorded in the server.
    refused = await emulator.click(dm, "Check yourself", sample.bob)
    assert "sent to another member" in refused.text()
    check = await emulator.click(dm, "Check yourself", sample.alice)
    assert check.ephemeral and check.content == f"In **{sample.guild.name}**:"
    assert "Question 1 of 2" in str(check.embed.get("description"))
    assert check.message is not None
    ids = [str(b["custom_id"]) for b in check.message.buttons()]
    assert all(i.startswith("xa:") and len(i) <= 100 for i in ids)
    passed = await _answer_all(emulator, sample, check, ["A tuple", "Three"])
    assert "Score: 2 of 2 right" in str(passed.embed.get("description"))
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap topic", topic=FIRST)
    assert shown.content == "Your status: done ✅ · checked ☑️"

    # Three days later its review is due: the DM says so and Review now opens it, in the DM.
    clock.set(START + timedelta(days=3, hours=1))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 2, what="day 3")
    later = reminders(emulator, sample.alice)[1]
    assert "🔁 1 review due today" in later.content
    assert _labels(later)[-2:] == ["Review now", "Stop reminders"]
    assert (
        "sent to another member" in (await emulator.click(later, "Review now", sample.bob)).text()
    )
    review = await emulator.click(later, "Review now", sample.alice)
    assert review.ephemeral and review.content == f"In **{sample.guild.name}**:"
    assert review.embed["title"] == f"Review · {TITLES[FIRST]}"
    right = "A tuple" if "immutable" in str(review.embed.get("description")) else "Three"
    answered = await emulator.click(review, _button(review, right), sample.alice)
    assert "**Good** is suggested" in str(answered.embed.get("description"))
    assert answered.message is not None
    assert all(str(b["custom_id"]).startswith("yv:") for b in answered.message.buttons())
    rated = await emulator.click(answered, "Good", sample.alice)
    assert "rated Good: next review <t:" in rated.content
    assert "Nothing to review today" in str(rated.embed.get("description"))
    # Rated in the server the DM named: nothing is due there any more.
    there = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert "Nothing to review today" in str(there.embed.get("description"))


async def test_dm_show_example_and_skip_answer_in_the_dms_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock, tmp_path: Path
) -> None:
    """A topic whose card does not show all its code: the DM carries Show example, which
    answers with the code the card leaves out; Skip marks the topic skipped in the DM's
    server; both only for the member the DM was sent to."""
    catalog = teaching_catalog(tmp_path)
    await launch(tick_interval=TICK, catalog=catalog)
    first, second = catalog.default.topics[:2]
    await emulator.slash(sample.guild, sample.alice, "roadmap remind set", time="14:00")
    clock.set(START + timedelta(hours=2))
    await emulator.wait_for(lambda: len(reminders(emulator, sample.alice)) == 1, what="the DM")
    dm = reminders(emulator, sample.alice)[0]
    assert _labels(dm) == ["Done", "Skip", "Show example", "Check yourself", "Stop reminders"]

    refused = await emulator.click(dm, "Show example", sample.bob)
    assert refused.ephemeral and "sent to another member" in refused.text()
    shown = await emulator.click(dm, "Show example", sample.alice)
    assert shown.ephemeral and shown.content == f"In **{sample.guild.name}**:"
    assert shown.embed["title"] == "Example: Run it from the command line"
    assert shown.embed["description"] == "```bash\npython add.py\n```"
    assert dm.edits == []  # the DM itself is untouched

    refused = await emulator.click(dm, "Skip", sample.bob)
    assert "sent to another member" in refused.text()
    bob = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert bob.embed["title"] == first.title  # Bob's press changed nothing
    skipped = await emulator.click(dm, "Skip", sample.alice)
    assert skipped.ephemeral and f"In **{sample.guild.name}**:" in skipped.text()
    assert f"**{first.title}** is now skipped ⏭️." in skipped.text()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == second.title  # recorded in the DM's server
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap topic", topic=first.id)
    assert shown.content.startswith("Your status: skipped")
