"""The custom_ids of the study loop's buttons: how each is written and read back.

A button carries everything its press needs (Discord allows 100 characters), so it keeps working
after a restart and on old messages with nothing stored. Room is short, so snowflakes are written
in base 36 (at most 13 characters instead of 20) and each kind is a two-letter prefix. Every kind
is a frozen dataclass laid out by `_layout` (its prefix, then one part per field, `:` between):
`.custom_id` writes it, `TEMPLATE` is the pattern a discord.py `DynamicItem` registers (a named
group per field), and `parse`/`from_match` read it back, None for an id of another kind or one
that is not canonical (so that one button has exactly one id).

A check or a review started from a reminder DM runs in a DM, which has no server: its buttons
(`xa:`, `ya:`, `yv:`) name the server where `ca:`, `ra:` and `rv:` name the member, since both
would not fit in 100 characters. The member is the presser: only the member a DM was sent to
can press its buttons, and the cogs refuse these ids anywhere but in a DM.

The ids of the older buttons (`study:done:...`, `study:forget:...`: `TopicPress`,
`ForgetAnswer`) are kept as they were written: words for the action, snowflakes in decimal.
Rating buttons written before they carried the card's version (`UnversionedRating`,
`UnversionedDmRating`) are read too, and answered without rating.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

from bot.render.topic import DONE_BUTTON, EXAMPLE_BUTTON, PICK_ACTION, SKIP_BUTTON
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


@dataclass(frozen=True, slots=True)
class _Part:
    """One field of an id: its pattern, how it is written, and how it is read back (raising
    _NotCanonical for what the pattern lets through but no button carries)."""

    pattern: str
    write: Callable[[Any], str] = str
    read: Callable[[str], Any] = str


def _read_snowflake(text: str) -> int:
    number = from_base36(text)
    if number is None:
        raise _NotCanonical
    return number


def _read_progress(token: str) -> Progress:
    try:
        return Progress.from_token(token)
    except ValueError:
        raise _NotCanonical from None


def _read_decimal(text: str) -> int:
    return int(text)  # from_match refuses a leading zero: str() would not write it


def _action(letters: str) -> _Part:
    """Which button of a kind: one of `letters`."""
    return _Part(f"[{letters}]")


def _word(*words: str) -> _Part:
    """Which button of an older kind: one of `words`."""
    return _Part("|".join(map(re.escape, words)))


SNOWFLAKE = _Part(_B36, to_base36, _read_snowflake)
CONTENT_ID = _Part(_ID)
PROGRESS = _Part(_TOKEN, Progress.token, _read_progress)
FINGERPRINT = _Part(_FINGERPRINT)
POSITION = _Part("[0-9]", str, int)  # a question's index or a shown answer's, 0-based
RATING = _Part("[1-4]", str, int)  # fsrs's Again / Hard / Good / Easy
DECIMAL = _Part("[0-9]{1,20}", str, _read_decimal)  # the older buttons' snowflakes
VERSION = SNOWFLAKE  # a review card's version: whole seconds, in base 36 (6 characters today)


class _CustomId:
    """What every kind shares: writing its fields by its parts, reading them back through its
    TEMPLATE, refusing what is not canonical."""

    __slots__ = ()
    PREFIX: ClassVar[str]
    PARTS: ClassVar[tuple[tuple[str, _Part], ...]]  # (field name, part), in the id's order
    TEMPLATE: ClassVar[re.Pattern[str]]

    @property
    def custom_id(self) -> str:
        written = [part.write(getattr(self, name)) for name, part in self.PARTS]
        return ":".join((self.PREFIX, *written))

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self | None:
        """The button a DynamicItem's match stands for, or None."""
        try:
            values = [part.read(match[name]) for name, part in cls.PARTS]
        except _NotCanonical:
            return None
        found = cast("Callable[..., Self]", cls)(*values)
        return found if found.custom_id == match.group(0) else None

    @classmethod
    def parse(cls, custom_id: str) -> Self | None:
        """The button of this kind `custom_id` stands for, or None."""
        match = cls.TEMPLATE.fullmatch(custom_id)
        return None if match is None else cls.from_match(match)


_Kind = TypeVar("_Kind", bound=_CustomId)


def _layout(prefix: str, *parts: _Part) -> Callable[[type[_Kind]], type[_Kind]]:
    """The id of a kind: `prefix`, then its dataclass fields in order, each as its part."""

    def lay_out(kind: type[_Kind]) -> type[_Kind]:
        names = [field.name for field in fields(cast(Any, kind))]  # a dataclass by now
        if len(names) != len(parts):
            raise TypeError(f"{kind.__name__}: {len(names)} fields but {len(parts)} parts")
        kind.PREFIX = prefix
        kind.PARTS = tuple(zip(names, parts, strict=True))
        groups = (f"(?P<{name}>{part.pattern})" for name, part in kind.PARTS)
        kind.TEMPLATE = re.compile(":".join((prefix, *groups)))
        return kind

    return lay_out


def _values(button: _CustomId) -> tuple[Any, ...]:
    """A button's fields in its id's order."""
    return tuple(getattr(button, name) for name, _ in button.PARTS)


@_layout("ck", SNOWFLAKE, CONTENT_ID, CONTENT_ID)
@dataclass(frozen=True, slots=True)
class CheckStart(_CustomId):
    """ "Check yourself" on a topic card after Done: starts the owner's check of the topic."""

    owner_id: int
    roadmap_id: str
    topic_id: str


@_layout("ca", SNOWFLAKE, CONTENT_ID, CONTENT_ID, PROGRESS, FINGERPRINT, POSITION)
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


@_layout("ra", SNOWFLAKE, CONTENT_ID, CONTENT_ID, POSITION, FINGERPRINT, POSITION)
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


@_layout("rv", SNOWFLAKE, CONTENT_ID, CONTENT_ID, RATING, VERSION)
@dataclass(frozen=True, slots=True)
class ReviewRating(_CustomId):
    """Again / Hard / Good / Easy under a review: `rating` is fsrs's number, 1 to 4, and
    `version` the card's version when its question was shown (`CardState.version`): a
    button shown before the card's last rating is refused instead of rating it again."""

    owner_id: int
    roadmap_id: str
    topic_id: str
    rating: int
    version: int


@_layout("dp", _action("dnc"), CONTENT_ID, CONTENT_ID)
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


@_layout("dm", _action("dsec"), SNOWFLAKE, SNOWFLAKE, CONTENT_ID, CONTENT_ID)
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


@_layout("dm", _action("xr"), SNOWFLAKE, SNOWFLAKE)
@dataclass(frozen=True, slots=True)
class ReminderMemberButton(_CustomId):
    """A button on the reminder DM about the member in a server: Stop reminders, or Review
    now (the reviews due)."""

    STOP: ClassVar[str] = "x"
    REVIEW: ClassVar[str] = "r"

    action: str
    guild_id: int
    owner_id: int


_Member = TypeVar("_Member", bound=_CustomId)


class _InDm(_CustomId, Generic[_Member]):
    """A member's kind in a reminder DM (laid out by `_in_dm`): the server in place of the
    member, who is the DM's own. The other fields are the member kind's, in its order."""

    __slots__ = ()
    MEMBER: ClassVar[type[_CustomId]]

    @classmethod
    def of(cls, guild_id: int, button: _Member) -> Self:
        """The member's `button` in a DM about server `guild_id`."""
        return cast("Callable[..., Self]", cls)(guild_id, *_values(button)[1:])

    def for_member(self, owner_id: int) -> _Member:
        """The same button as the member's own, for the check's or the review's rules."""
        member = cast("Callable[..., _Member]", self.MEMBER)
        return member(owner_id, *_values(self)[1:])


_Dm = TypeVar("_Dm", bound=_InDm[Any])


def _in_dm(prefix: str, member: type[_CustomId]) -> Callable[[type[_Dm]], type[_Dm]]:
    """The layout of `member`'s kind under `prefix`, its first part naming the server."""

    def lay_out(kind: type[_Dm]) -> type[_Dm]:
        kind.MEMBER = member
        return _layout(prefix, *(part for _, part in member.PARTS))(kind)

    return lay_out


@_in_dm("xa", CheckAnswer)
@dataclass(frozen=True, slots=True)
class DmCheckAnswer(_InDm[CheckAnswer]):
    """A CheckAnswer in a reminder DM."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    progress: Progress
    fingerprint: str
    position: int


@_in_dm("ya", ReviewAnswer)
@dataclass(frozen=True, slots=True)
class DmReviewAnswer(_InDm[ReviewAnswer]):
    """A ReviewAnswer in a reminder DM."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    question_index: int
    fingerprint: str
    position: int


@_in_dm("yv", ReviewRating)
@dataclass(frozen=True, slots=True)
class DmReviewRating(_InDm[ReviewRating]):
    """A ReviewRating in a reminder DM."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    rating: int
    version: int


@_layout("nm", SNOWFLAKE)
@dataclass(frozen=True, slots=True)
class NotifyMe(_CustomId):
    """ "Notify me" on the daily post: adds or removes the role the schedule pings, for the
    presser (the server is the interaction's; the press checks the role is still the one)."""

    role_id: int


@_layout("rv", SNOWFLAKE, CONTENT_ID, CONTENT_ID, RATING)
@dataclass(frozen=True, slots=True)
class UnversionedRating(_CustomId):
    """A rating button written before ratings carried the card's version (`rv:` without it).
    Read so that its press is answered, never rated: it cannot tell whether the review it
    was shown for is the one due now."""

    owner_id: int
    roadmap_id: str
    topic_id: str
    rating: int


@_layout("yv", SNOWFLAKE, CONTENT_ID, CONTENT_ID, RATING)
@dataclass(frozen=True, slots=True)
class UnversionedDmRating(_CustomId):
    """An UnversionedRating in a reminder DM (`yv:` without the version)."""

    guild_id: int
    roadmap_id: str
    topic_id: str
    rating: int


@_layout(
    "study",
    _word(DONE_BUTTON[0], SKIP_BUTTON[0], EXAMPLE_BUTTON[0], PICK_ACTION),
    DECIMAL,
    CONTENT_ID,
    CONTENT_ID,
)
@dataclass(frozen=True, slots=True)
class TopicPress(_CustomId):
    """Done / Skip / Show example under a member's topic card, or the pick of a choice group's
    topic (the action is render.topic's word for the button)."""

    action: str
    owner_id: int
    roadmap_id: str
    topic_id: str


@_layout("study:forget", _word("yes", "no"), DECIMAL)
@dataclass(frozen=True, slots=True)
class ForgetAnswer(_CustomId):
    """ "Delete my data" (yes) / "Keep it" (no) under the forget-me question."""

    YES: ClassVar[str] = "yes"
    NO: ClassVar[str] = "no"

    answer: str
    owner_id: int


@_layout("study:skipstage", _word("yes", "no"), SNOWFLAKE, CONTENT_ID)
@dataclass(frozen=True, slots=True)
class SkipStageAnswer(_CustomId):
    """ "Skip them" (yes) / "Cancel" (no) under `/roadmap skip stage:`'s question."""

    answer: str
    owner_id: int
    stage_id: str


@_layout("study:undo", SNOWFLAKE, _action("ds"), _action("dspn"), CONTENT_ID, CONTENT_ID)
@dataclass(frozen=True, slots=True)
class UndoMark(_CustomId):
    """Undo under the card after Done or Skip: the status `given` (d, s) and the one before
    (d, s, p for in progress, n for not started)."""

    owner_id: int
    given: str
    before: str
    roadmap_id: str
    topic_id: str


#: A daily time as the setup carries it: HHMM.
HHMM = _Part("(?:[01][0-9]|2[0-3])[0-5][0-9]")
#: An IANA zone name (the longest, America/Argentina/ComodRivadavia, has 32 characters).
ZONE = _Part(r"[A-Za-z0-9/_+-]{1,40}")


@_layout("study:setup", _word("ch", "ro", "rm", "ok"), SNOWFLAKE, HHMM, ZONE)
@dataclass(frozen=True, slots=True)
class SetupPart(_CustomId):
    """A component of `/roadmap-admin setup`'s message: the channel, role and roadmap selects
    and Confirm, each carrying the moderator, the time (HHMM) and the zone."""

    part: str
    owner_id: int
    time: str
    zone: str


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

#: The `study:` kinds the cogs draw themselves (catch-up's and setup's), in that namespace.
STUDY_KINDS: tuple[type[_CustomId], ...] = (SkipStageAnswer, UndoMark, SetupPart)

#: The older buttons' kinds (`study:` ids, and ratings without the card's version), read as
#: they were written.
OLDER_KINDS: tuple[type[_CustomId], ...] = (
    TopicPress,
    ForgetAnswer,
    UnversionedRating,
    UnversionedDmRating,
)
