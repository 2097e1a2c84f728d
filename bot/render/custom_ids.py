"""The custom_ids of the study loop's buttons: how each is written and read back.

A button carries everything its press needs (Discord allows 100 characters), so it keeps working
after a restart and on old messages with nothing stored. Room is short, so snowflakes are written
in base 36 (at most 13 characters instead of 20) and each kind is a two-letter prefix. Every kind
is a frozen dataclass: `.custom_id` writes it, `TEMPLATE` is the pattern a discord.py
`DynamicItem` registers (named groups), and `parse`/`from_match` read it back, None for an id of
another kind or one that is not canonical (so that one button has exactly one id).

A check or a review started from a reminder DM runs in a DM, which has no server: its buttons
(`xa:`, `ya:`, `yv:`) name the server where `ca:`, `ra:` and `rv:` name the member, since both
would not fit in 100 characters. The member is the presser: only the member a DM was sent to
can press its buttons, and the cogs refuse these ids anywhere but in a DM.

The ids of the older buttons (`study:done:...`, `study:forget:...`) are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from bot.services.self_check import FINGERPRINT_LENGTH, Progress

CUSTOM_ID_MAX = 100  # Discord's limit
SNOWFLAKE_MAX = 2**64 - 1

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# Patterns of the parts: base 36 without leading zeros; content ids as the checker allows them.
_B36 = r"(?:0|[1-9a-z][0-9a-z]{0,12})"
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_TOKEN = r"[1-9a-f][0-9a-f]?"
_FINGERPRINT = rf"[0-9a-f]{{{FINGERPRINT_LENGTH}}}"


def to_base36(number: int) -> str:
    """A non-negative integer (a snowflake) in base 36, lowercase, without leading zeros."""
    if number < 0:
        raise ValueError(f"cannot write a negative number in base 36: {number}")
    if number == 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def from_base36(text: str) -> int | None:
    """The snowflake `to_base36` wrote, or None (not base 36, not canonical, over 64 bits)."""
    if not re.fullmatch(_B36, text):
        return None
    number = int(text, 36)
    return number if number <= SNOWFLAKE_MAX else None


class _NotCanonical(Exception):
    """A part that matches its pattern but is not what `custom_id` would write."""


class _CustomId:
    """What every kind shares: reading through its TEMPLATE, refusing what is not canonical."""

    __slots__ = ()
    TEMPLATE: ClassVar[re.Pattern[str]]

    @property
    def custom_id(self) -> str:
        raise NotImplementedError

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        raise NotImplementedError

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self | None:
        """The button a DynamicItem's match stands for, or None."""
        try:
            found = cls._read(match)
        except _NotCanonical:
            return None
        return found if found.custom_id == match.group(0) else None

    @classmethod
    def parse(cls, custom_id: str) -> Self | None:
        """The button of this kind `custom_id` stands for, or None."""
        match = cls.TEMPLATE.fullmatch(custom_id)
        return None if match is None else cls.from_match(match)


def _snowflake(match: re.Match[str], group: str) -> int:
    number = from_base36(match[group])
    if number is None:
        raise _NotCanonical
    return number


@dataclass(frozen=True, slots=True)
class CheckStart(_CustomId):
    """ "Check yourself" on a topic card after Done: starts the owner's check of the topic."""

    owner_id: int
    roadmap_id: str
    topic_id: str

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"ck:(?P<owner>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
    )

    @property
    def custom_id(self) -> str:
        return f"ck:{to_base36(self.owner_id)}:{self.roadmap_id}:{self.topic_id}"

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(_snowflake(match, "owner"), match["roadmap"], match["topic"])


@dataclass(frozen=True, slots=True)
class CheckAnswer(_CustomId):
    """One answer button of a running check: the answers so far, the questions' fingerprint
    and which shown answer (0-based) this button is."""

    owner_id: int
    roadmap_id: str
    topic_id: str
    progress: Progress
    fingerprint: str
    position: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"ca:(?P<owner>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
        rf":(?P<progress>{_TOKEN}):(?P<fingerprint>{_FINGERPRINT}):(?P<position>[0-9])"
    )

    @property
    def custom_id(self) -> str:
        return (
            f"ca:{to_base36(self.owner_id)}:{self.roadmap_id}:{self.topic_id}"
            f":{self.progress.token()}:{self.fingerprint}:{self.position}"
        )

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        try:
            progress = Progress.from_token(match["progress"])
        except ValueError:
            raise _NotCanonical from None
        return cls(
            _snowflake(match, "owner"),
            match["roadmap"],
            match["topic"],
            progress,
            match["fingerprint"],
            int(match["position"]),
        )


@dataclass(frozen=True, slots=True)
class ReviewAnswer(_CustomId):
    """An answer button of a review's question: question `question_index` of the topic's check,
    the questions' fingerprint and which shown answer (0-based) this button is."""

    owner_id: int
    roadmap_id: str
    topic_id: str
    question_index: int
    fingerprint: str
    position: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"ra:(?P<owner>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
        rf":(?P<question>[0-9]):(?P<fingerprint>{_FINGERPRINT}):(?P<position>[0-9])"
    )

    @property
    def custom_id(self) -> str:
        return (
            f"ra:{to_base36(self.owner_id)}:{self.roadmap_id}:{self.topic_id}"
            f":{self.question_index}:{self.fingerprint}:{self.position}"
        )

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(
            _snowflake(match, "owner"),
            match["roadmap"],
            match["topic"],
            int(match["question"]),
            match["fingerprint"],
            int(match["position"]),
        )


@dataclass(frozen=True, slots=True)
class ReviewRating(_CustomId):
    """Again / Hard / Good / Easy under a review: `rating` is fsrs's number, 1 to 4."""

    owner_id: int
    roadmap_id: str
    topic_id: str
    rating: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"rv:(?P<owner>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID}):(?P<rating>[1-4])"
    )

    @property
    def custom_id(self) -> str:
        return f"rv:{to_base36(self.owner_id)}:{self.roadmap_id}:{self.topic_id}:{self.rating}"

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(
            _snowflake(match, "owner"), match["roadmap"], match["topic"], int(match["rating"])
        )


@dataclass(frozen=True, slots=True)
class DailyPostButton(_CustomId):
    """A button on the daily post, for whoever presses it (the server is the interaction's):
    Done marks the day's topic, My next topic shows the presser's own, Check starts its check."""

    DONE: ClassVar[str] = "d"
    MY_NEXT: ClassVar[str] = "n"
    CHECK: ClassVar[str] = "c"

    action: str
    roadmap_id: str
    topic_id: str

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"dp:(?P<action>[dnc]):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
    )

    @property
    def custom_id(self) -> str:
        return f"dp:{self.action}:{self.roadmap_id}:{self.topic_id}"

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(match["action"], match["roadmap"], match["topic"])


@dataclass(frozen=True, slots=True)
class ReminderTopicButton(_CustomId):
    """A button on the reminder DM about one topic: Done, Skip, Show example or Check
    yourself. A DM has no server, so the id names it."""

    DONE: ClassVar[str] = "d"
    SKIP: ClassVar[str] = "s"
    EXAMPLE: ClassVar[str] = "e"
    CHECK: ClassVar[str] = "c"

    action: str
    guild_id: int
    owner_id: int
    roadmap_id: str
    topic_id: str

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"dm:(?P<action>[dsec]):(?P<guild>{_B36}):(?P<owner>{_B36})"
        rf":(?P<roadmap>{_ID}):(?P<topic>{_ID})"
    )

    @property
    def custom_id(self) -> str:
        return (
            f"dm:{self.action}:{to_base36(self.guild_id)}:{to_base36(self.owner_id)}"
            f":{self.roadmap_id}:{self.topic_id}"
        )

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(
            match["action"],
            _snowflake(match, "guild"),
            _snowflake(match, "owner"),
            match["roadmap"],
            match["topic"],
        )


@dataclass(frozen=True, slots=True)
class ReminderMemberButton(_CustomId):
    """A button on the reminder DM about the member in a server: Stop reminders, or Review
    now (the reviews due)."""

    STOP: ClassVar[str] = "x"
    REVIEW: ClassVar[str] = "r"

    action: str
    guild_id: int
    owner_id: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"dm:(?P<action>[xr]):(?P<guild>{_B36}):(?P<owner>{_B36})"
    )

    @property
    def custom_id(self) -> str:
        return f"dm:{self.action}:{to_base36(self.guild_id)}:{to_base36(self.owner_id)}"

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(match["action"], _snowflake(match, "guild"), _snowflake(match, "owner"))


@dataclass(frozen=True, slots=True)
class DmCheckAnswer(_CustomId):
    """A CheckAnswer in a reminder DM: the server in place of the member (the DM's own)."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    progress: Progress
    fingerprint: str
    position: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"xa:(?P<guild>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
        rf":(?P<progress>{_TOKEN}):(?P<fingerprint>{_FINGERPRINT}):(?P<position>[0-9])"
    )

    @classmethod
    def of(cls, guild_id: int, answer: CheckAnswer) -> Self:
        return cls(
            guild_id,
            answer.roadmap_id,
            answer.topic_id,
            answer.progress,
            answer.fingerprint,
            answer.position,
        )

    def for_member(self, owner_id: int) -> CheckAnswer:
        """The same button as the member's own, for the check's rules."""
        return CheckAnswer(
            owner_id, self.roadmap_id, self.topic_id, self.progress, self.fingerprint, self.position
        )

    @property
    def custom_id(self) -> str:
        return "x" + self.for_member(self.guild_id).custom_id[1:]

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        try:
            progress = Progress.from_token(match["progress"])
        except ValueError:
            raise _NotCanonical from None
        return cls(
            _snowflake(match, "guild"),
            match["roadmap"],
            match["topic"],
            progress,
            match["fingerprint"],
            int(match["position"]),
        )


@dataclass(frozen=True, slots=True)
class DmReviewAnswer(_CustomId):
    """A ReviewAnswer in a reminder DM: the server in place of the member (the DM's own)."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    question_index: int
    fingerprint: str
    position: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"ya:(?P<guild>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID})"
        rf":(?P<question>[0-9]):(?P<fingerprint>{_FINGERPRINT}):(?P<position>[0-9])"
    )

    @classmethod
    def of(cls, guild_id: int, answer: ReviewAnswer) -> Self:
        return cls(
            guild_id,
            answer.roadmap_id,
            answer.topic_id,
            answer.question_index,
            answer.fingerprint,
            answer.position,
        )

    def for_member(self, owner_id: int) -> ReviewAnswer:
        return ReviewAnswer(
            owner_id,
            self.roadmap_id,
            self.topic_id,
            self.question_index,
            self.fingerprint,
            self.position,
        )

    @property
    def custom_id(self) -> str:
        return "y" + self.for_member(self.guild_id).custom_id[1:]

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(
            _snowflake(match, "guild"),
            match["roadmap"],
            match["topic"],
            int(match["question"]),
            match["fingerprint"],
            int(match["position"]),
        )


@dataclass(frozen=True, slots=True)
class DmReviewRating(_CustomId):
    """A ReviewRating in a reminder DM: the server in place of the member (the DM's own)."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    rating: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"yv:(?P<guild>{_B36}):(?P<roadmap>{_ID}):(?P<topic>{_ID}):(?P<rating>[1-4])"
    )

    @classmethod
    def of(cls, guild_id: int, rating: ReviewRating) -> Self:
        return cls(guild_id, rating.roadmap_id, rating.topic_id, rating.rating)

    def for_member(self, owner_id: int) -> ReviewRating:
        return ReviewRating(owner_id, self.roadmap_id, self.topic_id, self.rating)

    @property
    def custom_id(self) -> str:
        return "y" + self.for_member(self.guild_id).custom_id[1:]

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(
            _snowflake(match, "guild"), match["roadmap"], match["topic"], int(match["rating"])
        )


@dataclass(frozen=True, slots=True)
class NotifyMe(_CustomId):
    """ "Notify me" on the daily post: adds or removes the role the schedule pings, for the
    presser (the server is the interaction's; the press checks the role is still the one)."""

    role_id: int

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(rf"nm:(?P<role>{_B36})")

    @property
    def custom_id(self) -> str:
        return f"nm:{to_base36(self.role_id)}"

    @classmethod
    def _read(cls, match: re.Match[str]) -> Self:
        return cls(_snowflake(match, "role"))


#: Every kind, for registering and for the length test.
KINDS: tuple[type[_CustomId], ...] = (
    CheckStart,
    CheckAnswer,
    ReviewAnswer,
    ReviewRating,
    DailyPostButton,
    ReminderTopicButton,
    ReminderMemberButton,
    NotifyMe,
    DmCheckAnswer,
    DmReviewAnswer,
    DmReviewRating,
)
