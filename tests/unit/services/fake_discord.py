"""An in-memory stand-in for Discord's message routes, for fast service-level simulations.

It keeps what Discord keeps that matters to exactly-once delivery: the messages of each channel
in order, and recent nonces (a repeat within the window returns the first message instead of
posting again, as `enforce_nonce` does). It can refuse a channel, fail passingly, or "crash the
bot" right after a message was stored, before the bot hears back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.services.clock import Clock
from bot.services.delivery import DailyPostRequest, ReminderRequest, SendOutcome

NONCE_WINDOW = timedelta(minutes=5)
HISTORY_LIMIT = 50


class SimulatedCrash(BaseException):
    """The bot process died here (BaseException: nothing in the bot may swallow it)."""


@dataclass
class StoredMessage:
    id: int
    channel_id: int
    guild_id: int
    local_date: date
    topic_id: str | None
    nonce: str
    created_at: datetime
    ping_role_id: int | None = None


@dataclass
class FakeDiscord:
    clock: Clock
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    transient_rate: float = 0.0
    refused_channels: dict[int, str] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)
    channels: dict[int, list[StoredMessage]] = field(default_factory=dict)
    dms: dict[int, list[StoredMessage]] = field(default_factory=dict)
    # crash_after_send: crash right after storing the n-th message from now (1 = the next one);
    # crash_before_send: crash on the n-th send before anything is stored.
    crash_after_send: int | None = None
    crash_before_send: int | None = None
    requests: int = 0
    retried_nonces: set[str] = field(default_factory=set)  # sends that met a passing failure
    _nonces: dict[str, tuple[datetime, StoredMessage]] = field(default_factory=dict)
    _next_id: int = 1000

    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        self.requests += 1
        if self.crash_before_send is not None:
            self.crash_before_send -= 1
            if self.crash_before_send == 0:
                self.crash_before_send = None
                raise SimulatedCrash("crash before send")
        if request.channel_id in self.refused_channels:
            return SendOutcome.refused(self.refused_channels[request.channel_id])
        if self.rng.random() < self.transient_rate:
            self.retried_nonces.add(request.nonce)
            return SendOutcome.retry("503 Service Unavailable")
        message = self._store(
            self.channels,
            request.channel_id,
            guild_id=request.guild_id,
            day=request.local_date,
            topic_id=request.topic.id,
            nonce=request.nonce,
            ping_role_id=request.ping_role_id,
        )
        if self.crash_after_send is not None:
            self.crash_after_send -= 1
            if self.crash_after_send == 0:
                self.crash_after_send = None
                raise SimulatedCrash("crash between send and record")
        return SendOutcome.sent(message.id)

    async def find_daily_post(self, channel_id: int, local_date: date) -> SendOutcome:
        self.requests += 1
        if channel_id in self.refused_channels:
            return SendOutcome.refused(self.refused_channels[channel_id])
        for message in reversed(self.channels.get(channel_id, [])[-HISTORY_LIMIT:]):
            if message.local_date == local_date:
                return SendOutcome.sent(message.id)
        return SendOutcome.missing()

    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        self.requests += 1
        if request.user_id in self.closed_dms:
            return SendOutcome.refused("the member does not accept direct messages")
        if self.rng.random() < self.transient_rate:
            return SendOutcome.retry("503 Service Unavailable")
        message = self._store(
            self.dms,
            request.user_id,
            guild_id=request.guild_id,
            day=request.local_date,
            topic_id=request.topic.id if request.topic else None,
            nonce=request.nonce,
            ping_role_id=None,
        )
        return SendOutcome.sent(message.id, channel_id=request.user_id + 1)

    def _store(
        self,
        where: dict[int, list[StoredMessage]],
        key: int,
        *,
        guild_id: int,
        day: date,
        topic_id: str | None,
        nonce: str,
        ping_role_id: int | None,
    ) -> StoredMessage:
        now = self.clock.now()
        seen = self._nonces.get(nonce)
        if seen is not None and abs(now - seen[0]) < NONCE_WINDOW:
            return seen[1]  # Discord answers a repeated nonce with the first message
        self._next_id += 1
        message = StoredMessage(
            self._next_id, key, guild_id, day, topic_id, nonce, now, ping_role_id
        )
        where.setdefault(key, []).append(message)
        self._nonces[nonce] = (now, message)
        return message
