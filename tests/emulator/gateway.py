"""The gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME with replay, dispatch.

Frames are always uncompressed text, whatever `compress=` the client asks for: discord.py's
`received_message` only inflates binary frames. Sessions outlive their connection so a RESUME
replays what was missed; a client that closes with 1000/1001 ends its session, as on Discord.
Identify concurrency as Discord enforces it: shards identify in buckets `shard_id %
max_concurrency` (the `session_start_limit` of /gateway/bot), one IDENTIFY per bucket per
`identify_interval` (Discord's 5 s; tests shorten it); one too soon gets op 9 (d=false) and
starts no session. Faults: RECONNECT (op 7), INVALID_SESSION (op 9, resumable or not), closing
with any code, dropping the connection without a close frame, and a raw frame of any text or
bytes (a malformed dispatch, truncated JSON, a binary frame that is not zlib).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.emulator.messages import hide_content_from
from tests.emulator.payloads import guild_create_payload, member_payload, user_payload

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

log = logging.getLogger(__name__)

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES = 1 << 0, 1 << 1, 1 << 8
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1
REPLAY_BUFFER = 2000
#: Discord's identify rate: one IDENTIFY per bucket per 5 seconds.
IDENTIFY_INTERVAL = 5.0
#: What /gateway/bot says a bot may start in a day (Discord's default for a bot under 150,000
#: servers); every accepted IDENTIFY takes one.
SESSION_STARTS_PER_DAY = 1000

_EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
}
_MESSAGE_EVENTS = ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE")


@dataclass(frozen=True)
class RawFrame:
    """Sent as it is: text as a text frame, bytes as a binary frame, never JSON-encoded."""

    data: str | bytes


@dataclass(eq=False)
class Session:
    id: str
    token: str
    intents: int
    shard: tuple[int, int]
    ws: web.WebSocketResponse | None = field(default=None, repr=False)
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list, repr=False)
    invalidated: bool = False
    resumes: int = 0
    disconnected_at: float | None = None

    def owns(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        return shard_id == 0 if guild_id is None else (guild_id >> 22) % count == shard_id


@dataclass(frozen=True)
class IdentifyRecord:
    """One IDENTIFY as the gateway saw it (accepted or refused as too soon for its bucket)."""

    at: float  # time.monotonic() when it arrived
    shard: tuple[int, int]
    bucket: int
    accepted: bool


#: Seconds before a heartbeat is acknowledged (Discord's round trip is tens of milliseconds).
HEARTBEAT_ACK_DELAY = 0.02


class Gateway:
    def __init__(
        self,
        emulator: Emulator,
        *,
        heartbeat_interval_ms: int = 41250,
        max_concurrency: int = 1,
        identify_interval: float = IDENTIFY_INTERVAL,
    ) -> None:
        self.emulator = emulator
        self.heartbeat_interval_ms = heartbeat_interval_ms
        #: Identify buckets (`shard_id % max_concurrency`), told to the bot by /gateway/bot.
        self.max_concurrency = max_concurrency
        #: Seconds between two IDENTIFYs of one bucket; a sooner one gets op 9.
        self.identify_interval = identify_interval
        self.identify_log: list[IdentifyRecord] = []
        self._bucket_last: dict[int, float] = {}
        self.sessions: dict[str, Session] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []  # (session id, frame) of every dispatch
        self.identifies = 0
        self.roles_seen: set[int] = set()  # roles the bot was told about (create vs update)
        # One outbox per connection, drained by one writer task: frames leave in the order queued.
        self._outboxes: dict[web.WebSocketResponse, asyncio.Queue[Any]] = {}
        self._closed_by_us: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Event()

    # -- what tests use -------------------------------------------------------------------------
    @property
    def identifies_refused(self) -> list[IdentifyRecord]:
        """IDENTIFYs that came too soon after another of their bucket (each got op 9)."""
        return [record for record in self.identify_log if not record.accepted]

    @property
    def session_starts_remaining(self) -> int:
        return max(0, SESSION_STARTS_PER_DAY - self.identifies)

    @property
    def connected(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed]

    @property
    def live(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalidated]

    async def wait_connected(self, within: float = 5.0) -> Session:
        deadline = time.monotonic() + within
        while not self.connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no bot connected to the gateway within {within} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self.connected[0]

    async def reconnect(self) -> None:
        """Op 7 RECONNECT to every connected session: the client should close and RESUME."""
        for session in self.connected:
            self._send(session.ws, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool) -> None:
        """Op 9 INVALID_SESSION; not resumable ends the session so the client must IDENTIFY."""
        for session in self.connected:
            if not resumable:
                session.invalidated = True
            self._send(session.ws, {"op": 9, "d": resumable, "s": None, "t": None})

    async def drop(self) -> None:
        """Cut every connection without a close frame, as a dead network does: the client sees
        the socket end (1006) and should RESUME."""
        for session in self.connected:
            transport = session.ws._req.transport if session.ws and session.ws._req else None
            if transport is not None:
                transport.abort()

    def send_raw(self, data: str | bytes) -> int:
        """A frame exactly as given to every connected session, outside the sequence (nothing
        is buffered for a RESUME): what a broken proxy or a bug on Discord's side would send.
        Returns how many connections got it."""
        sessions = self.connected
        for session in sessions:
            self._send(session.ws, RawFrame(data))
        return len(sessions)

    def dispatch_malformed(self, event: str, data: Any) -> int:
        """A dispatch of `event` carrying `data` as it is (no filtering, no shape check), in
        sequence like any event, so a RESUME would replay it."""
        for session in self.live:
            self._queue(session, event, data)
        return len(self.live)

    async def close(self, code: int = 4000) -> None:
        """Close every connection with `code` (4000 keeps the session resumable)."""
        for session in self.connected:
            if code in (4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014):
                session.invalidated = True
            self._send(session.ws, ("close", code))

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
    ) -> int:
        """Send an event to every live session entitled to it; returns how many got it."""
        delivered = 0
        for session in self.live:
            if not session.owns(guild_id):
                continue
            payload = self._filter(session, event, data, guild_id)
            if payload is None:
                continue
            self._queue(session, event, payload)
            delivered += 1
        return delivered

    async def stop(self) -> None:
        for ws in list(self._outboxes):
            await ws.close(code=1001, message=b"emulator stopping")

    # -- internals ------------------------------------------------------------------------------
    def _filter(
        self,
        session: Session,
        event: str,
        data: dict[str, Any],
        guild_id: int | None,
    ) -> dict[str, Any] | None:
        needed = _EVENT_INTENTS.get(event)
        if event in _MESSAGE_EVENTS:
            needed = GUILD_MESSAGES if guild_id is not None else DIRECT_MESSAGES
        if needed is not None and not session.intents & needed:
            return None
        if event in _MESSAGE_EVENTS[:2] and not session.intents & MESSAGE_CONTENT:
            return hide_content_from(self.emulator.world.bot.id, data)
        return data

    def _queue(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        del session.buffer[:-REPLAY_BUFFER]
        self.sent.append((session.id, frame))
        self._send(session.ws, frame)

    def _send(self, ws: web.WebSocketResponse | None, frame: Any) -> None:
        outbox = self._outboxes.get(ws) if ws is not None else None
        if outbox is not None:
            outbox.put_nowait(frame)

    async def _write(self, ws: web.WebSocketResponse, outbox: asyncio.Queue[Any]) -> None:
        ws_closed_by_us = self._closed_by_us
        while True:
            frame = await outbox.get()
            if isinstance(frame, tuple):
                ws_closed_by_us.add(ws)
                await ws.close(code=frame[1], message=b"closed by the emulator")
                return
            try:
                if isinstance(frame, RawFrame):
                    if isinstance(frame.data, bytes):
                        await ws.send_bytes(frame.data)
                    else:
                        await ws.send_str(frame.data)
                else:
                    await ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError):
                log.debug("gateway frame dropped: connection closing")
                return

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._outboxes[ws] = outbox
        writer = asyncio.get_running_loop().create_task(self._write(ws, outbox))
        session: Session | None = None
        try:
            self._send(
                ws,
                {
                    "op": 10,
                    "s": None,
                    "t": None,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                },
            )
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                try:
                    frame = json.loads(message.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                session = await self._on_frame(ws, session, frame)
        finally:
            del self._outboxes[ws]
            writer.cancel()
            if session is not None and session.ws is ws:
                session.ws = None
                session.disconnected_at = time.monotonic()
                # aiohttp reports 1000 after a close we started: only the client's own counts.
                clean = ws.close_code in (1000, 1001) and ws not in self._closed_by_us
                if clean and not self.emulator.stopping:
                    session.invalidated = True  # a clean close from the client ends the session
            self._closed_by_us.discard(ws)
            self._changed.set()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, session: Session | None, frame: dict[str, Any]
    ) -> Session | None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            # Acknowledged a little later, as over a network: discord.py 2.7 (its keep-alive
            # thread notes a heartbeat's send only after the send) took an ACK that came at
            # once for one a whole interval late and logged "Can't keep up ... 41.3s behind"
            # for nearly every heartbeat (fixed upstream: Rapptz/discord.py#10448).
            ack = {"op": 11, "d": None, "s": None, "t": None}
            asyncio.get_running_loop().call_later(HEARTBEAT_ACK_DELAY, self._send, ws, ack)
        elif op == 2:
            if session is not None:
                await ws.close(code=4005, message=b"Already authenticated.")
                return session
            return await self._identify(ws, data or {})
        elif op == 6:
            return await self._resume(ws, data or {})
        elif session is None:
            await ws.close(code=4003, message=b"Not authenticated.")
        elif op == 8:
            await self._members_chunk(session, data or {})
        elif op not in (3, 4):
            await ws.close(code=4001, message=b"Unknown opcode.")
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        world = self.emulator.world
        if data.get("token") != world.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await ws.close(code=4013, message=b"Invalid intent(s).")
            return None
        if intents & PRIVILEGED & ~world.privileged_intents.value:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = tuple(data.get("shard") or (0, 1))
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        if not self._identify_allowed(shard):
            # Discord: "you will receive an Opcode 9 Invalid Session" (not resumable); the
            # connection stays open and the client identifies again later.
            self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        self.identifies += 1
        session = Session(secrets.token_hex(16), data["token"], intents, (shard[0], shard[1]), ws)
        self.sessions[session.id] = session
        guilds = [g for g in world.guilds.values() if session.owns(g.id)]
        self._queue(
            session,
            "READY",
            {
                "v": 10,
                "user": {**user_payload(world.bot), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.emulator.gateway_url,
                "shard": list(shard),
                "application": {"id": str(world.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": [],
            },
        )
        for guild in guilds:
            self.roles_seen.update(guild.roles)
            self._queue(
                session,
                "GUILD_CREATE",
                guild_create_payload(guild, include_all_members=bool(intents & GUILD_MEMBERS)),
            )
        self._changed.set()
        return session

    def _identify_allowed(self, shard: tuple[int, ...]) -> bool:
        """Whether an IDENTIFY of `shard` may start a session now; recorded either way."""
        now = time.monotonic()
        bucket = shard[0] % self.max_concurrency
        last = self._bucket_last.get(bucket)
        accepted = last is None or now - last >= self.identify_interval
        self.identify_log.append(IdentifyRecord(now, (shard[0], shard[1]), bucket, accepted))
        if accepted:
            self._bucket_last[bucket] = now
        else:
            log.info(
                "IDENTIFY of shard %s refused: bucket %d identified %.2f s ago (< %.2f s)",
                shard,
                bucket,
                now - (last or now),
                self.identify_interval,
            )
        return accepted

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated or data.get("token") != session.token:
            self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        if session.ws is not None and not session.ws.closed and session.ws is not ws:
            await session.ws.close(code=4009, message=b"Session resumed elsewhere.")
        session.ws = ws
        session.resumes += 1
        session.disconnected_at = None
        last_seen = int(data.get("seq") or 0)
        for frame in session.buffer:
            if frame["s"] > last_seen:
                self._send(ws, frame)
        self._queue(session, "RESUMED", {})
        self._changed.set()
        return session

    async def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.emulator.world.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.name.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        self._queue(
            session,
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": str(guild.id),
                "members": [member_payload(m) for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "nonce": data.get("nonce"),
                "not_found": [str(u) for u in wanted - {m.id for m in members}],
            },
        )
