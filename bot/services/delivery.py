"""What the planners ask of whoever sends messages, and what they get back, in plain values.

The Discord senders (bot/schedule/daily_sender.py, reminder_sender.py) implement these
protocols; tests use in-memory ones. Keeping the protocol here lets the planners decide every
rule without importing discord. The rules of sending exactly once are in services/ledger.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from bot.roadmap.model import Roadmap, Topic
from bot.services.standing import Standing

OutcomeKind = Literal["sent", "refused", "retry", "missing", "skipped"]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """`sent` (with the message id), `refused` (Discord will not take it: channel gone, no
    permission, DMs closed; `reason` says which), `retry` (a passing failure), `missing`
    (a history search found nothing) or `skipped` (settled elsewhere meanwhile: not sent)."""

    kind: OutcomeKind
    message_id: int | None = None
    reason: str | None = None
    channel_id: int | None = None  # the DM channel a reminder went to, worth remembering
    thread_id: int | None = None  # the discussion thread opened on a daily post

    @classmethod
    def sent(cls, message_id: int, *, channel_id: int | None = None) -> SendOutcome:
        return cls("sent", message_id=message_id, channel_id=channel_id)

    @classmethod
    def refused(cls, reason: str) -> SendOutcome:
        return cls("refused", reason=reason)

    @classmethod
    def retry(cls, reason: str) -> SendOutcome:
        return cls("retry", reason=reason)

    @classmethod
    def missing(cls, reason: str | None = None) -> SendOutcome:
        return cls("missing", reason=reason)

    @classmethod
    def skipped(cls) -> SendOutcome:
        return cls("skipped")


@dataclass(frozen=True, slots=True)
class DailyPostRequest:
    """Everything needed to render and send one daily post."""

    guild_id: int
    channel_id: int
    local_date: date
    roadmap: Roadmap
    topic: Topic
    ping_role_id: int | None
    nonce: str
    #: Open a discussion thread on the post, named after the topic.
    open_thread: bool = False


@dataclass(frozen=True, slots=True)
class ReminderRequest:
    """One member's reminder DM, with everything the card shows read before the send: where
    the member stands in the roadmap they study, and so their next topic."""

    guild_id: int
    user_id: int
    local_date: date
    standing: Standing
    dm_channel_id: int | None
    nonce: str
    #: The member's reviews due on that local day, and their topics' titles (the DM lists them).
    reviews_due: int = 0
    review_titles: tuple[str, ...] = ()

    @property
    def roadmap(self) -> Roadmap:
        return self.standing.roadmap

    @property
    def topic(self) -> Topic | None:
        """None when the member finished the roadmap."""
        return self.standing.next_topic


class DailySender(Protocol):
    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        """Post it in the channel with `request.nonce` (a repeat within minutes is dropped)."""
        ...

    async def find_daily_post(self, channel_id: int, local_date: date) -> SendOutcome:
        """Look for our post of that local date in the channel's recent history:
        `sent` with its id when found, `missing` when not, `refused`/`retry` when the history
        cannot be read."""
        ...

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int | None:
        """Open a public thread named `name` on the post: the thread's id (also when one was
        opened on it before, so a resend never opens a second), None when Discord refused."""
        ...


class ReminderSender(Protocol):
    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        """DM the member with `request.nonce`; `refused` when they do not accept DMs."""
        ...
