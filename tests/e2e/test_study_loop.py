"""The study loop through the emulator: check yourself (right and wrong answers, the score, the
checked status on cards, in progress and export, cleared by reset), spaced review due after
simulated days and rated with each rating, reviews turned off, `/roadmap topic` for a later
stage, streak freezes in progress, and rewards that a skipped stage no longer earns."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services.clock import ManualClock
from tests.e2e.conftest import CONTENT_DIR, Launch
from tests.emulator.interactions import InteractionResult
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld, permission_value

FIRST = "syntax-and-data-types"
SECOND = "functions"

#: Two questions for the first two topics (the frozen fixture roadmap has none).
QUESTIONS = [
    {
        "question": "Which of these is immutable?",
        "answers": [
            {"text": "A tuple", "right": True, "why": "A tuple cannot change once made."},
            {"text": "A list", "why": "Lists change in place."},
            {"text": "A dict", "why": "Dicts change in place."},
        ],
    },
    {
        "question": "What does len('abc') return?",
        "answers": [
            {"text": "Three", "right": True, "why": "One per character."},
            {"text": "Two", "why": "Count again: a, b, c."},
        ],
    },
]


def checked_catalog(folder: Path) -> Catalog:
    """The e2e roadmap with self-check questions on its first two topics."""
    source = CONTENT_DIR / "python-backend.yaml"
    roadmap = yaml.safe_load(source.read_text(encoding="utf-8"))
    for topic in roadmap["stages"][0]["topics"][:2]:
        topic["check"] = {"questions": QUESTIONS}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "python-backend.yaml").write_text(yaml.safe_dump(roadmap), encoding="utf-8")
    loaded = load_directory(folder)
    assert loaded.ok and loaded.catalog is not None, [str(p) for p in loaded.problems]
    return loaded.catalog


def _button(result: InteractionResult, answer_text: str) -> str:
    """The custom_id of the answer button showing `answer_text`."""
    assert result.message is not None
    for button in result.message.buttons():
        if button.get("label", "").endswith(f". {answer_text}"):
            return str(button["custom_id"])
    labels = [b.get("label") for b in result.message.buttons()]
    raise AssertionError(f"no answer {answer_text!r} among {labels}")


def _labels(result: InteractionResult) -> list[str]:
    assert result.message is not None
    return [str(button.get("label")) for button in result.message.buttons()]


#: The titles of FIRST and SECOND in the fixture roadmap.
TITLES = {FIRST: "Syntax and data types", SECOND: "Functions"}


def _description(result: InteractionResult) -> str:
    return str(result.embed.get("description", ""))


async def _answer_all(
    emulator: Emulator, sample: StandardWorld, result: InteractionResult, answers: list[str]
) -> InteractionResult:
    for text in answers:
        result = await emulator.click(result, _button(result, text), sample.alice)
    return result


async def test_a_full_check_right_and_wrong_then_checked_everywhere_and_reset(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    await launch(catalog=checked_catalog(tmp_path / "content"))
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert "Check yourself" not in _labels(card)
    after = await emulator.click(card, "Done", sample.alice)
    assert "Check yourself" in _labels(after)  # for the topic just done

    # Bob cannot press Alice's button.
    refused = await emulator.click(after, "Check yourself", sample.bob)
    assert "belong to the member who asked" in refused.content

    check = await emulator.click(after, "Check yourself", sample.alice)
    assert check.ephemeral and "Question 1 of 2" in _description(check)
    assert "Which of these is immutable?" in _description(check)
    assert len(_labels(check)) == 3
    wrong = await emulator.click(check, _button(check, "A list"), sample.alice)
    assert "❌ Not quite: the answer is A tuple" in _description(wrong)
    assert "Lists change in place." in _description(wrong)
    assert "Question 2 of 2" in _description(wrong)
    end = await emulator.click(wrong, _button(wrong, "Three"), sample.alice)
    assert "✅ Right: Three" in _description(end)
    assert "Score: 1 of 2 right" in _description(end)
    assert "Not passed yet" in _description(end)
    assert end.message is not None and end.message.buttons() == []

    # Again, by command (the default is the topic just done), all right: checked.
    again = await emulator.slash(sample.guild, sample.alice, "roadmap check")
    assert again.embed["title"] == f"Check yourself · {TITLES[FIRST]}"
    passed = await _answer_all(emulator, sample, again, ["A tuple", "Three"])
    assert "Score: 2 of 2 right" in _description(passed)
    assert "is checked" in _description(passed)
    assert "<t:" in _description(passed)  # the first review's date
    assert "marked done too" not in _description(passed)  # it was done already

    # /roadmap done offers the check of a topic with questions at once.
    done = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="file-handling")
    assert _labels(done) == ["Undo"]  # no questions; the mark can be taken back
    second = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=SECOND)
    assert _labels(second) == ["Check yourself", "Undo"]
    second = await emulator.click(second, "Check yourself", sample.alice)
    passed = await _answer_all(emulator, sample, second, ["A tuple", "Three"])
    assert "marked done too" not in _description(passed)

    shown = await emulator.slash(sample.guild, sample.alice, "roadmap topic", topic=FIRST)
    assert shown.content == "Your status: done ✅ · checked ☑️"
    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="1")
    assert f"✅ {TITLES[FIRST]} ☑️" in _description(overview)
    assert "✅ File handling ☑️" not in _description(overview)
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    text = _description(progress)
    assert "3 of 20 topics done" in text
    assert "2 checked ☑️" in text
    assert "☑️ Checked: " in text

    export = await emulator.slash(sample.guild, sample.alice, "roadmap export")
    assert export.message is not None
    document = json.loads(export.message.files["study-companion-export.json"])
    rows = {row["topic_id"]: row for row in document["data"]["progress"]}
    assert rows[FIRST]["checked_at"] is not None
    cards = sorted(card["topic_id"] for card in document["data"]["review_cards"])
    assert cards == sorted([FIRST, SECOND, "file-handling"])  # every topic done has one

    await emulator.slash(sample.guild, sample.alice, "roadmap reset", topic=FIRST)
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap topic", topic=FIRST)
    assert shown.content == "Your status: not started"
    export = await emulator.slash(sample.guild, sample.alice, "roadmap export")
    assert export.message is not None
    document = json.loads(export.message.files["study-companion-export.json"])
    cards = sorted(card["topic_id"] for card in document["data"]["review_cards"])
    assert cards == sorted([SECOND, "file-handling"])


def _timestamp(text: str) -> int:
    found = re.search(r"<t:(\d+):D>", text)
    assert found, text
    return int(found.group(1))


async def test_a_review_comes_due_after_simulated_days_and_each_rating_reschedules(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock, tmp_path: Path
) -> None:
    await launch(catalog=checked_catalog(tmp_path / "content"))
    nothing = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert "Nothing to review today" in _description(nothing)
    for topic in (FIRST, SECOND, "file-handling", "error-handling"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)

    clock.advance(days=2)
    assert "Nothing to review today" in _description(
        await emulator.slash(sample.guild, sample.alice, "roadmap review")
    )
    clock.advance(days=1)  # the first Good's step: three days
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.content == "🔁 4 reviews due today: `/roadmap review`"
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "🔁 4 reviews due today" in _description(progress)

    review = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert review.embed["title"].startswith("Review · ")
    assert review.embed["footer"]["text"] == "4 reviews due today"
    question = _description(review)
    right = "A tuple" if "immutable" in question else "Three"
    answered = await emulator.click(review, _button(review, right), sample.alice)
    assert "**Good** is suggested" in _description(answered)
    assert _labels(answered) == ["Again", "Hard", "Good", "Easy"]
    assert answered.message is not None
    good = next(b for b in answered.message.buttons() if b["label"] == "Good")
    assert good["style"] == 3  # the suggested rating stands out

    today = clock.now().date()
    due_in: dict[str, int] = {}
    current = answered
    for rating in ("Good", "Again", "Hard", "Easy"):
        # The next due review: a question (answer wrong: Again is suggested) or a summary.
        if rating != "Good" and "Do you still know this?" in _description(current):
            wrong = "A list" if "immutable" in _description(current) else "Two"
            current = await emulator.click(current, _button(current, wrong), sample.alice)
            assert "**Again** is suggested" in _description(current)
        rated = await emulator.click(current, rating, sample.alice)
        assert f"rated {rating}: next review <t:" in rated.content
        due_day = datetime.fromtimestamp(_timestamp(rated.content), UTC).date()
        due_in[rating] = (due_day - today).days
        current = rated
    assert "Nothing to review today" in _description(current)
    assert current.message is not None and current.message.buttons() == []
    # Again comes back soonest, Easy latest (all in whole days after today).
    assert 0 < due_in["Again"] < due_in["Hard"] <= due_in["Good"] < due_in["Easy"]

    # After a day, the card rated Again is due again.
    clock.advance(days=due_in["Again"])
    back = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert back.content.startswith("🔁 1 review due today")


async def test_reviews_can_be_turned_off_in_settings(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    clock.advance(days=3)
    review = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    # A topic without check questions is reviewed by its summary, then rated.
    assert "Recall what you learned" in _description(review)
    assert _labels(review) == ["Again", "Hard", "Good", "Easy"]

    off = await emulator.slash(sample.guild, sample.alice, "roadmap settings", reviews=False)
    assert "Reviews: off" in off.content
    assert "Reviews are off" in _description(
        await emulator.slash(sample.guild, sample.alice, "roadmap review")
    )
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert "review" not in card.content
    # The old message's rating buttons still work (the card is kept while reviews are off).
    on = await emulator.slash(sample.guild, sample.alice, "roadmap settings", reviews=True)
    assert "Reviews: on" in on.content
    rated = await emulator.click(review, "Good", sample.alice)
    assert "rated Good" in rated.content


async def test_check_without_a_topic_asks_about_the_current_one_when_none_was_just_done(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    """`/roadmap check` with no topic: the topic just done when it has questions and is not
    checked yet; else (nothing done, or the last one done has no questions) the current one."""
    await launch(catalog=checked_catalog(tmp_path / "content"))
    fresh = await emulator.slash(sample.guild, sample.bob, "roadmap check")
    assert fresh.ephemeral and fresh.embed["title"] == f"Check yourself · {TITLES[FIRST]}"
    assert "Question 1 of 2" in _description(fresh)
    # The topic done last has no questions: the current topic (the first, not done) instead.
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="file-handling")
    current = await emulator.slash(sample.guild, sample.alice, "roadmap check")
    assert current.embed["title"] == f"Check yourself · {TITLES[FIRST]}"
    # Once the first is done and checked, the current topic is the second.
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=FIRST)
    passed = await _answer_all(
        emulator,
        sample,
        await emulator.slash(sample.guild, sample.alice, "roadmap check"),
        ["A tuple", "Three"],
    )
    assert "is checked" in _description(passed)
    after = await emulator.slash(sample.guild, sample.alice, "roadmap check")
    assert after.embed["title"] == f"Check yourself · {TITLES[SECOND]}"


async def test_an_old_rating_button_is_refused_once_its_review_is_answered(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    """Two review messages of one card: rated from the first, the second's buttons must not
    rate the card again, not even once it is due again (its question was never seen then)."""
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    clock.advance(days=3)
    first = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    second = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert second.message is not None
    old_ids = {str(b["label"]): str(b["custom_id"]) for b in second.message.buttons()}
    assert all(len(custom_id) <= 100 for custom_id in old_ids.values())
    rated = await emulator.click(first, "Again", sample.alice)
    assert "rated Again: next review <t:" in rated.content
    due_day = datetime.fromtimestamp(_timestamp(rated.content), UTC).date()
    clock.advance(days=(due_day - clock.now().date()).days)
    back = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert back.content.startswith("🔁 1 review due today")  # due again

    refused = await emulator.click(second, old_ids["Easy"], sample.alice)
    assert refused.ephemeral
    assert refused.text() == (
        "This review was already answered; run `/roadmap review` for the next one."
    )
    still = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert still.content.startswith("🔁 1 review due today")  # not rated by the old button
    fresh = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert "rated Good" in (await emulator.click(fresh, "Good", sample.alice)).content

    # A button written before ratings carried the card's version (`rv:` without it, on a
    # message sent by an older bot) is read and answered, and rates nothing.
    clock.advance(days=60)
    older = await emulator.slash(sample.guild, sample.alice, "roadmap review")
    assert older.message is not None
    good = next(b for b in older.message.buttons() if b["label"] == "Good")
    good["custom_id"] = str(good["custom_id"]).rsplit(":", 1)[0]  # as written before
    assert re.fullmatch(r"rv:[0-9a-z]+:python-backend:http:3", good["custom_id"])
    answered = await emulator.click(older, good["custom_id"], sample.alice)
    assert answered.ephemeral and "from before an update" in answered.text()
    assert "`/roadmap review`" in answered.text()
    due = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert due.content.startswith("🔁 1 review due today")


async def test_topic_opens_a_later_stage_without_changing_any_status(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    choices = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap topic", "topic", "contain"
    )
    named = {c["value"]: c["name"] for c in choices}
    assert named["containerization"].startswith("5. ")
    shown = await emulator.slash(
        sample.guild, sample.alice, "roadmap topic", topic="containerization"
    )
    assert shown.ephemeral and shown.content == "Your status: not started"
    assert shown.embed["author"]["name"].startswith("Stage 5/6")
    assert {"Done", "Skip"} <= set(_labels(shown))
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in _description(progress)
    # Opening it marked nothing in progress: the next topic is still the first one.
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["author"]["name"].startswith("Stage 1/6")
    # Its Done button marks that topic, as on any card.
    await emulator.click(shown, "Done", sample.alice)
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in _description(progress)


async def test_progress_shows_a_freeze_used_across_a_missed_day(
    emulator: Emulator, sample: StandardWorld, launch: Launch, clock: ManualClock
) -> None:
    bot = await launch()
    roadmap = bot.content.catalog.default
    topics = [topic.id for topic in roadmap.topics]
    for day in range(7):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[day])
        clock.advance(days=1)
    held = _description(await emulator.slash(sample.guild, sample.alice, "roadmap progress"))
    assert "🧊 Streak freezes: 1 held of 2 · 0 used" in held
    clock.advance(days=1)  # a missed day
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topics[7])
    used = _description(await emulator.slash(sample.guild, sample.alice, "roadmap progress"))
    assert "🧊 Streak freezes: 0 held of 2 · 1 used" in used
    assert "Streak: 8 days" in used


def _stage_topics(catalog: Catalog, number: int) -> list[str]:
    return [topic.id for topic in catalog.default.stages[number - 1].topics]


async def test_a_skipped_stage_earns_its_role_only_once_the_checks_pass(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    catalog = checked_catalog(tmp_path / "content")
    sample.moderator_role.permissions |= permission_value(["manage_roles"])
    graduate = sample.guild.add_role("Graduate", position=sample.moderator_role.position - 1)
    await launch(catalog=catalog)
    given = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage="basics", role=graduate
    )
    assert "from now on get" in given.content, given.content
    listed = await emulator.slash(sample.guild, sample.mod, "roadmap-admin reward list")
    assert "a skipped topic counts only once its check is passed" in listed.text()
    assert "Roles already given are kept" in listed.text()

    first, second, *rest = _stage_topics(catalog, 1)
    for topic in (first, second, *rest):
        await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic=topic)
    for topic in rest:  # those without questions: done, as a skipped one never counts
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    check = await emulator.slash(sample.guild, sample.alice, "roadmap check", topic=first)
    passed = await _answer_all(emulator, sample, check, ["A tuple", "Three"])
    # The check of a topic not done marks it done too (a completion: progress counts it).
    assert "marked done too" in _description(passed)
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert f"{len(rest) + 1} of 20 topics done" in _description(progress)
    assert graduate not in sample.alice.roles  # one topic is still only skipped
    check = await emulator.slash(sample.guild, sample.alice, "roadmap check", topic=second)
    await _answer_all(emulator, sample, check, ["A tuple", "Three"])
    await emulator.wait_for(lambda: graduate in sample.alice.roles, what="the stage role")


async def test_check_with_no_topic_left_asks_about_the_first_skipped_one_not_checked(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    """Everything done or skipped: `/roadmap check` with no topic asks about the first skipped
    topic whose check is not passed (what still counts it toward its stage's reward)."""
    catalog = checked_catalog(tmp_path / "content")
    await launch(catalog=catalog)
    topics = [topic.id for topic in catalog.default.topics]
    await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic=FIRST)
    await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic=SECOND)
    for topic in topics:
        if topic not in (FIRST, SECOND):
            await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    asked = await emulator.slash(sample.guild, sample.alice, "roadmap check")
    assert asked.embed["title"] == f"Check yourself · {TITLES[FIRST]}"
    passed = await _answer_all(emulator, sample, asked, ["A tuple", "Three"])
    assert "is checked" in _description(passed)
    then = await emulator.slash(sample.guild, sample.alice, "roadmap check")
    assert then.embed["title"] == f"Check yourself · {TITLES[SECOND]}"
