"""Domain errors: exceptions whose message is safe to show a Discord user as is.

They live outside every layer so that `roadmap`, `services` and `store` can raise them
and the Discord layer can turn them into short ephemeral answers without knowing each one.
"""

from __future__ import annotations

from collections.abc import Sequence

#: How much of a value the user typed an answer quotes back: Discord lets an option hold 6,000
#: characters, and an answer only 2,000.
QUOTE_MAX = 60


def quoted(value: object) -> str:
    """`value` as an inline code span for an answer: one line, at most QUOTE_MAX characters
    (then "…"), and no backtick that could end the span early."""
    text = " ".join(str(value).split()).replace("`", "'")
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1] + "…"
    return f"`{text}`"


class StudyError(Exception):
    """An error caused by the user's input or the state of their data; the message is for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StudyError):
    """An id the user gave names nothing; `suggestions` holds close matches to offer, and
    `hint`, when given, is the whole answer instead: where the value is after all (another
    stage, another roadmap) and the command that reaches it."""

    kind = "item"

    def __init__(self, value: str, suggestions: Sequence[str] = (), *, hint: str = "") -> None:
        self.value = value
        self.suggestions = tuple(suggestions)
        self.hint = hint
        text = f"Unknown {self.kind} {quoted(value)}."
        if self.suggestions:
            text += " Did you mean " + ", ".join(f"`{s}`" for s in self.suggestions) + "?"
        super().__init__(hint or text)


class UnknownRoadmap(NotFound):
    kind = "roadmap"


class UnknownStage(NotFound):
    kind = "stage"


class UnknownTopic(NotFound):
    kind = "topic"


class InvalidTime(StudyError):
    """A local time that is not `HH:MM` on a 24-hour clock."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"{quoted(value)} is not a time: use 24-hour `HH:MM`, for example `09:30` or `18:00`."
        )


class InvalidTimeZone(StudyError):
    """A name that is not an IANA time zone."""

    def __init__(self, value: str) -> None:
        super().__init__(
            f"{quoted(value)} is not a time zone: use an IANA name such as `Europe/Berlin`, "
            "`America/New_York` or `UTC`."
        )


class InvalidStatus(StudyError):
    """A progress status the store does not know."""

    def __init__(self, value: str) -> None:
        super().__init__(f"Unknown status {quoted(value)}.")


class ProgressHidden(StudyError):
    """Someone asked for the progress of a member who keeps it private."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__("That member keeps their progress private.")


class InvalidPeriod(StudyError):
    """A leaderboard period that is not all, month or week."""

    def __init__(self, value: str) -> None:
        super().__init__(f"{quoted(value)} is not a period: use `all`, `month` or `week`.")


class NotSaved(StudyError):
    """A write the database could not take (busy past its wait, disk full, read-only); nothing
    of it was kept, so the member may simply try again."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"Your change was not saved: {reason}. Nothing changed; please try again in a minute."
        )
