"""What the planners ask of whoever sends messages, and what they get back, in plain values.

The Discord senders (bot/schedule/daily_sender.py, reminder_sender.py) implement these
protocols; tests use in-memory ones. Keeping the protocol here lets the planners decide every
rule without importing discord.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from bot.roadmap.model import Roadmap, Topic

log = logging.getLogger(__name__)

OutcomeKind = Literal["sent", "refused", "retry", "missing", "skipped"]

#: Discord remembers a nonce for a few minutes: a claim attempted less than this ago is simply
#: sent again with the same nonce (a repeat returns the first message); an older one is not.
RESEND_WINDOW = timedelta(minutes=4)
#: Passing failures of one claim retried before it is settled some other way.
MAX_ATTEMPTS = 5

#: What becomes of a claim left `sending` (by a crash or a passing failure): `resend` it with
#: its nonce, record it `missed` (never attempted, and now too late), or it is `doubtful`
#: (attempted long ago: it may have arrived, so it must not be sent blindly).
Fate = Literal["resend", "missed", "doubtful"]


def unfinished_fate(
    *,
    attempts: int,
    due: datetime,
    first_attempt_at: datetime | None,
    now: datetime,
    grace: timedelta,
    resend_window: timedelta = RESEND_WINDOW,
) -> Fate:
    """DESIGN section 4's rule for a claim found `sending`, for daily posts and reminders alike.
    A claim with no attempt surely never reached Discord (the attempt is counted before the
    request leaves), so it goes out while still within the grace after it was due."""
    if attempts == 0:
        return "resend" if now - due <= grace else "missed"
    first = first_attempt_at or due
    if now - first < resend_window and attempts < MAX_ATTEMPTS:
        return "resend"
    return "doubtful"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """`sent` (with the message id), `refused` (Discord will not take it: channel gone, no
    permission, DMs closed; `reason` says which), `retry` (a passing failure), `missing`
    (a history search found nothing) or `skipped` (settled elsewhere meanwhile: not sent)."""

    kind: OutcomeKind
    message_id: int | None = None
    reason: str | None = None
    channel_id: int | None = None  # the DM channel a reminder went to, worth remembering

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
    def missing(cls) -> SendOutcome:
        return cls("missing")

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


@dataclass(frozen=True, slots=True)
class ReminderRequest:
    """One member's reminder DM: their next topic (None when they finished the roadmap)."""

    guild_id: int
    user_id: int
    local_date: date
    roadmap: Roadmap
    topic: Topic | None
    dm_channel_id: int | None
    nonce: str


class DailySender(Protocol):
    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        """Post it in the channel with `request.nonce` (a repeat within minutes is dropped)."""
        ...

    async def find_daily_post(self, channel_id: int, local_date: date) -> SendOutcome:
        """Look for our post of that local date in the channel's recent history:
        `sent` with its id when found, `missing` when not, `refused`/`retry` when the history
        cannot be read."""
        ...


class ReminderSender(Protocol):
    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        """DM the member with `request.nonce`; `refused` when they do not accept DMs."""
        ...


async def attempt_counted(
    *,
    pace: Callable[[], Awaitable[object]] | None,
    begin_attempt: Callable[[], Awaitable[bool]],
    send: Callable[[], Awaitable[SendOutcome]],
    what: str,
) -> SendOutcome:
    """One send of a claimed message, as daily posts and reminders both need it: wait for a REST
    slot, count the attempt in the ledger BEFORE the request leaves (so that after a crash a
    claim with no attempt surely never reached Discord), then send. `skipped` when the ledger
    says it was settled meanwhile; an exception from the sender becomes a `retry`, so the claim
    is never lost. The caller records the outcome."""
    if pace is not None:
        await pace()
    if not await begin_attempt():
        return SendOutcome.skipped()
    try:
        return await send()
    except Exception as exc:  # the sender should not raise
        log.exception("%s: sender failed", what)
        return SendOutcome.retry(f"unexpected error: {type(exc).__name__}")
