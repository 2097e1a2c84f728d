"""The study loop's custom_ids: base 36 snowflakes, the longest id of every kind within Discord's
100 characters, round trips, and ids that are refused."""

from __future__ import annotations

import re
import time
import zoneinfo
from datetime import UTC, datetime
from itertools import combinations

import pytest

from bot.render.custom_ids import (
    CUSTOM_ID_MAX,
    KINDS,
    OLDER_KINDS,
    SNOWFLAKE_MAX,
    STUDY_KINDS,
    CheckAnswer,
    CheckStart,
    DailyPostButton,
    DmCheckAnswer,
    DmReviewAnswer,
    DmReviewRating,
    ForgetAnswer,
    NotifyMe,
    ReminderMemberButton,
    ReminderTopicButton,
    ReviewAnswer,
    ReviewRating,
    SetupPart,
    SkipStageAnswer,
    TopicPress,
    UndoMark,
    UnversionedDmRating,
    UnversionedRating,
    from_base36,
    to_base36,
)
from bot.roadmap import rules
from bot.services.self_check import Progress

# The longest ids the checker allows (the validator refuses longer ones with rules.id_problem).
LONGEST_ID = "a" * rules.MAX_ID_LENGTH
assert rules.id_problem(LONGEST_ID) is None and rules.id_problem(LONGEST_ID + "a") is not None
ALL_RIGHT = Progress((True,) * rules.QUESTIONS[1])
LAST_POSITION = rules.ANSWERS[1] - 1
#: A review card's version (CardState.version: its last review in whole seconds) far ahead:
#: base 36 writes seconds up to the year 4,000 or so in 7 characters, today's in 6.
FAR_VERSION = int(datetime(3999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
assert len(to_base36(FAR_VERSION)) == 7 and len(to_base36(int(time.time()))) == 6

LONGEST = [
    CheckStart(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID),
    CheckAnswer(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, ALL_RIGHT, "ffff", LAST_POSITION),
    ReviewAnswer(
        SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, rules.QUESTIONS[1] - 1, "ffff", LAST_POSITION
    ),
    ReviewRating(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, 4, FAR_VERSION),
    DailyPostButton(DailyPostButton.DONE, LONGEST_ID, LONGEST_ID),
    ReminderTopicButton(
        ReminderTopicButton.EXAMPLE, SNOWFLAKE_MAX, SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID
    ),
    ReminderMemberButton(ReminderMemberButton.STOP, SNOWFLAKE_MAX, SNOWFLAKE_MAX),
    NotifyMe(SNOWFLAKE_MAX),
    DmCheckAnswer(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, ALL_RIGHT, "ffff", LAST_POSITION),
    DmReviewAnswer(
        SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, rules.QUESTIONS[1] - 1, "ffff", LAST_POSITION
    ),
    DmReviewRating(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, 4, FAR_VERSION),
]

SMALL = [
    CheckStart(1, "r", "t"),
    CheckAnswer(1, "r", "t", Progress(), "0000", 0),
    ReviewAnswer(1, "r", "t", 0, "0a1b", 0),
    ReviewRating(1, "r", "t", 1, 0),
    DailyPostButton(DailyPostButton.MY_NEXT, "r", "t"),
    ReminderTopicButton(ReminderTopicButton.CHECK, 1, 2, "r", "t"),
    ReminderMemberButton(ReminderMemberButton.REVIEW, 1, 2),
    NotifyMe(1),
    DmCheckAnswer(1, "r", "t", Progress(), "0000", 0),
    DmReviewAnswer(1, "r", "t", 0, "0a1b", 0),
    DmReviewRating(1, "r", "t", 1, 0),
]


def test_base36_writes_snowflakes_in_at_most_13_characters() -> None:
    assert to_base36(SNOWFLAKE_MAX) == "3w5e11264sgsf"
    assert len(to_base36(SNOWFLAKE_MAX)) == 13 < len(str(SNOWFLAKE_MAX)) == 20
    for number in (0, 1, 35, 36, 1_234_567_890_123_456_789, SNOWFLAKE_MAX):
        assert from_base36(to_base36(number)) == number
        assert int(to_base36(number), 36) == number
    with pytest.raises(ValueError):
        to_base36(-1)


@pytest.mark.parametrize("text", ["", "00", "01", "A", "-1", "3w5e11264sgsg", "zzzzzzzzzzzzz"])
def test_base36_refuses_what_it_would_not_write(text: str) -> None:
    assert from_base36(text) is None


def test_every_kind_has_a_longest_and_a_small_case() -> None:
    assert {type(button) for button in LONGEST} == set(KINDS) == {type(b) for b in SMALL}


@pytest.mark.parametrize("button", LONGEST, ids=lambda b: type(b).__name__)
def test_the_longest_id_of_each_kind_fits_in_100_characters(button: object) -> None:
    custom_id = button.custom_id  # type: ignore[attr-defined]
    assert len(custom_id) <= CUSTOM_ID_MAX, custom_id
    assert type(button).parse(custom_id) == button


def test_the_longest_ids_are_what_the_kinds_can_make() -> None:
    # The test above would pass vacuously if LONGEST were not the longest: no field may grow.
    lengths = {type(b).__name__: len(b.custom_id) for b in LONGEST}  # type: ignore[attr-defined]
    assert lengths == {
        "CheckStart": 82,
        "CheckAnswer": 92,
        "ReviewAnswer": 91,
        "ReviewRating": 92,
        "DailyPostButton": 70,
        "ReminderTopicButton": 98,
        "ReminderMemberButton": 32,
        "NotifyMe": 16,
        "DmCheckAnswer": 92,
        "DmReviewAnswer": 91,
        "DmReviewRating": 92,
    }
    # The widest value of each part: 13 base-36 characters, ids of 32, a token of 2.
    assert len(ALL_RIGHT.token()) == 2
    assert max(len(Progress((False,) * n).token()) for n in range(rules.QUESTIONS[1] + 1)) == 2


@pytest.mark.parametrize("button", SMALL + LONGEST, ids=lambda b: type(b).__name__)
def test_every_id_round_trips_and_belongs_to_one_kind(button: object) -> None:
    custom_id = button.custom_id  # type: ignore[attr-defined]
    kind = type(button)
    assert kind.parse(custom_id) == button
    match = kind.TEMPLATE.fullmatch(custom_id)
    assert match is not None and kind.from_match(match) == button
    others = [other for other in KINDS if other is not kind]
    assert all(other.parse(custom_id) is None for other in others)
    assert not custom_id.startswith("study:")  # the older buttons' namespace


def test_no_two_kinds_share_a_prefix_and_action() -> None:
    prefixes = {
        (
            kind.__name__,
            re.match(r"[a-z]{2}:(?:\(\?P<action>\[([a-z]+)\]\))?", kind.TEMPLATE.pattern),
        )
        for kind in KINDS
    }
    heads = []
    for name, found in prefixes:
        assert found is not None, name
        prefix = found.group(0)[:3]
        actions = found.group(1) or ""
        heads.append((prefix, set(actions)))
    for (prefix_a, actions_a), (prefix_b, actions_b) in combinations(heads, 2):
        assert prefix_a != prefix_b or not actions_a & actions_b


def test_a_dm_kind_is_its_servers_button_for_the_dms_member() -> None:
    # The server takes the member's place: the member is whoever the DM was sent to.
    check = CheckAnswer(7, "python", "loops", Progress((True,)), "0a1b", 2)
    in_dm = DmCheckAnswer.of(10**18, check)
    assert in_dm.custom_id == f"xa:{to_base36(10**18)}:python:loops:3:0a1b:2"
    assert in_dm.for_member(7) == check
    review = ReviewAnswer(7, "python", "loops", 1, "0a1b", 0)
    assert DmReviewAnswer.of(5, review).for_member(7) == review
    rating = ReviewRating(7, "python", "loops", 2, 1_796_000_000)
    assert DmReviewRating.parse(DmReviewRating.of(5, rating).custom_id) == DmReviewRating(
        5, "python", "loops", 2, 1_796_000_000
    )


def test_fields_come_back_typed() -> None:
    answer = CheckAnswer.parse(f"ca:{to_base36(999)}:python:loops:5:0a1b:3")
    assert answer == CheckAnswer(999, "python", "loops", Progress((False, True)), "0a1b", 3)
    dm = ReminderTopicButton.parse(f"dm:s:{to_base36(10**18)}:1:python:loops")
    assert dm is not None and (dm.action, dm.guild_id, dm.owner_id) == ("s", 10**18, 1)
    rating = ReviewRating.parse(f"rv:1:python:loops:3:{to_base36(1_796_000_000)}")
    assert rating is not None and (rating.rating, rating.version) == (3, 1_796_000_000)


@pytest.mark.parametrize(
    "custom_id",
    [
        "ck:01:python:loops",  # a leading zero
        f"ck:{to_base36(SNOWFLAKE_MAX + 1)}:python:loops",  # over 64 bits
        "ck:1:Python:loops",  # not an id the checker allows
        "ck:1:python:loops:extra",
        "ca:1:python:loops:0:0a1b:3",  # not a progress token
        "ca:1:python:loops:01:0a1b:3",
        "ca:1:python:loops:1:0a1:3",  # a short fingerprint
        "rv:1:python:loops:5:1",  # no rating 5
        "rv:1:python:loops:3:01",  # a version with a leading zero
        "dp:x:python:loops",  # no such action
        "dm:x:1:2:python:loops",  # Stop carries no topic
        "dm:d:1:2",  # Done needs one
        "nm:",
        "study:done:1:python:loops",
    ],
)
def test_malformed_ids_are_refused_by_every_kind(custom_id: str) -> None:
    assert all(kind.parse(custom_id) is None for kind in KINDS)


def test_a_kind_whose_parts_do_not_match_its_fields_is_refused_when_defined() -> None:
    from dataclasses import dataclass

    from bot.render.custom_ids import CONTENT_ID, SNOWFLAKE, _CustomId, _layout

    @dataclass(frozen=True, slots=True)
    class Short(_CustomId):
        owner_id: int
        topic_id: str

    with pytest.raises(TypeError, match="2 fields but 1 parts"):
        _layout("zz", SNOWFLAKE)(Short)
    laid_out = _layout("zz", SNOWFLAKE, CONTENT_ID)(Short)
    assert (
        laid_out.TEMPLATE.pattern
        == rf"zz:(?P<owner_id>{SNOWFLAKE.pattern}):(?P<topic_id>{CONTENT_ID.pattern})"
    )
    assert laid_out(36, "loops").custom_id == "zz:10:loops"


def test_the_older_ids_are_read_and_written_as_before() -> None:
    # `study:` ids on messages sent long ago: words for the action, decimal snowflakes.
    longest = TopicPress("pick", SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID)
    assert longest.custom_id == f"study:pick:{SNOWFLAKE_MAX}:{LONGEST_ID}:{LONGEST_ID}"
    assert len(longest.custom_id) == 97 <= CUSTOM_ID_MAX
    for kind, custom_id in [
        (TopicPress, "study:done:42:python:loops"),
        (TopicPress, "study:ex:42:python:loops"),
        (ForgetAnswer, "study:forget:no:42"),
    ]:
        found = kind.parse(custom_id)
        assert found is not None and found.custom_id == custom_id
        assert [k for k in (*KINDS, *OLDER_KINDS) if k.parse(custom_id)] == [kind]
    assert TopicPress.parse("study:skip:7:python:loops") == TopicPress("skip", 7, "python", "loops")
    # Ratings written before they carried the card's version: read (to be answered), apart
    # from the versioned kinds.
    longest_rating = UnversionedRating(SNOWFLAKE_MAX, LONGEST_ID, LONGEST_ID, 4)
    assert len(longest_rating.custom_id) == 84 <= CUSTOM_ID_MAX
    for kind, custom_id in [
        (UnversionedRating, "rv:1:python:loops:3"),
        (UnversionedDmRating, "yv:1:python:loops:3"),
    ]:
        found = kind.parse(custom_id)
        assert found is not None and found.custom_id == custom_id
        assert [k for k in (*KINDS, *OLDER_KINDS) if k.parse(custom_id)] == [kind]
    assert UnversionedRating.parse("rv:1:python:loops:3:1") is None
    assert ForgetAnswer.parse("study:forget:yes:7") == ForgetAnswer("yes", 7)
    for refused in (
        "study:done:042:python:loops",  # a leading zero: no button wrote it
        "study:skipstage:yes:1:basics",  # catch_up's own id
        "study:forget:maybe:7",
        "study:done:7:Python:loops",
    ):
        assert all(kind.parse(refused) is None for kind in (*KINDS, *OLDER_KINDS)), refused


#: The longest IANA zone name this machine knows.
LONGEST_ZONE = max(zoneinfo.available_timezones(), key=len)


def test_the_cogs_study_ids_fit_and_round_trip() -> None:
    """Catch-up's skip-stage and undo ids and setup's: the longest each can make fits in 100
    characters (a zone of the template's 40 characters, longer than any IANA name, too)."""
    longest = [
        SkipStageAnswer("yes", SNOWFLAKE_MAX, LONGEST_ID),
        UndoMark(SNOWFLAKE_MAX, "s", "n", LONGEST_ID, LONGEST_ID),
        SetupPart("ok", SNOWFLAKE_MAX, "2359", "A" * 40),
    ]
    assert {type(b) for b in longest} == set(STUDY_KINDS)
    lengths = {type(b).__name__: len(b.custom_id) for b in longest}
    assert lengths == {"SkipStageAnswer": 66, "UndoMark": 94, "SetupPart": 74}
    assert max(lengths.values()) <= CUSTOM_ID_MAX
    assert len(LONGEST_ZONE) <= 40
    assert SetupPart.parse(SetupPart("ok", SNOWFLAKE_MAX, "2359", LONGEST_ZONE).custom_id)
    assert SetupPart.TEMPLATE.fullmatch(SetupPart("ok", 1, "0930", "A" * 41).custom_id) is None
    small = [
        SkipStageAnswer("no", 1, "basics"),
        UndoMark(1, "d", "p", "python", "loops"),
        SetupPart("ch", 1, "0930", "Europe/Berlin"),
    ]
    every = (*KINDS, *OLDER_KINDS, *STUDY_KINDS)
    for button in longest + small:
        assert type(button).parse(button.custom_id) == button
        assert [k for k in every if k.parse(button.custom_id)] == [type(button)]
    # The ids as these cogs wrote them before they were kinds read the same.
    assert SkipStageAnswer.parse("study:skipstage:yes:2s:basics") == SkipStageAnswer(
        "yes", 100, "basics"
    )
    assert UndoMark.parse("study:undo:2s:d:n:python:loops") == UndoMark(
        100, "d", "n", "python", "loops"
    )
    assert SetupPart.parse("study:setup:rm:2s:0930:Europe/Berlin") == SetupPart(
        "rm", 100, "0930", "Europe/Berlin"
    )
    for refused in (
        "study:skipstage:maybe:1:basics",
        "study:undo:1:p:n:python:loops",  # Undo of in progress: never given
        "study:undo:01:d:n:python:loops",  # a leading zero
        "study:setup:ok:1:2460:UTC",  # no such time
        "study:setup:xx:1:0930:UTC",
    ):
        assert all(kind.parse(refused) is None for kind in every), refused
