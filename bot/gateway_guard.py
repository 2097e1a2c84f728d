"""Malformed gateway frames are logged and skipped instead of ending the process.

discord.py lets any error from decoding or parsing one gateway frame escape `Client.connect`,
so a single bad frame (a dispatch without the `guild_id` its parser expects, an empty
`INTERACTION_CREATE`, truncated JSON, a binary frame that is not zlib) stopped the bot, and a
supervisor restarting it would loop. The guard sits at the two places those errors start:

- each event parser of the connection state (`guard_parsers`): a payload without the shape
  discord.py expects raises KeyError/TypeError/ValueError/AttributeError there; the event is
  skipped (Discord sends the next one as usual);
- the decoding of a frame (`GuardedWebSocket.received_message`): text that is not a JSON
  object is skipped; a binary frame that does not inflate leaves the connection's zlib stream
  unusable, so the connection is closed and RESUMEd (Discord replays what followed).

Each skipped frame is one WARNING line with a short, escaped excerpt, never a traceback.
The guarded state also ends, on close, a READY still gathering its servers.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from discord.gateway import DiscordWebSocket, ReconnectWebSocket
from discord.state import ConnectionState

from bot.errors import quoted

if TYPE_CHECKING:
    from discord import Client

log = logging.getLogger(__name__)

#: What a parser raises on a payload of the wrong shape (a missing key, None where a dict or
#: a number was expected). Errors of any other kind still propagate.
PAYLOAD_ERRORS = (KeyError, TypeError, ValueError, AttributeError)

#: How much of a frame a log line shows.
EXCERPT_CHARS = 200

Parser = Callable[[Any], None]
ClientT = TypeVar("ClientT", bound="Client")


def excerpt(frame: object) -> str:
    """A short, escaped, one-line excerpt of a frame for a log line (text, bytes or a payload)."""
    if isinstance(frame, bytes | bytearray):
        text = repr(bytes(frame[:EXCERPT_CHARS]))
    elif isinstance(frame, str):
        text = frame[:EXCERPT_CHARS]
    else:
        try:
            text = json.dumps(frame, ensure_ascii=True, default=str)[: EXCERPT_CHARS * 2]
        except (TypeError, ValueError, RecursionError):
            text = type(frame).__name__
    # ascii(): control characters and terminal escapes become visible escapes; quoted() keeps
    # one line, a bounded length and no backtick.
    return f"{quoted(ascii(text)[1:-1][:EXCERPT_CHARS])} ({_size(frame)})"


def _size(frame: object) -> str:
    if isinstance(frame, str | bytes | bytearray):
        return f"{len(frame)} characters" if isinstance(frame, str) else f"{len(frame)} bytes"
    return "decoded"


def guard_parser(event: str, parse: Parser) -> Parser:
    """`parse`, except that a payload it cannot read is logged and skipped."""

    def parse_or_skip(data: Any) -> None:
        try:
            parse(data)
        except PAYLOAD_ERRORS as exc:
            log.warning(
                "skipped a malformed gateway frame: %s event %s: %s",
                event,
                type(exc).__name__,
                excerpt(data),
            )

    parse_or_skip.__wrapped__ = parse  # type: ignore[attr-defined]
    return parse_or_skip


def guard_parsers(parsers: dict[str, Parser]) -> None:
    """Wrap every parser of a connection state in place (once; the dict is what the gateway
    looks events up in)."""
    for event, parse in list(parsers.items()):
        if not hasattr(parse, "__wrapped__"):
            parsers[event] = guard_parser(event, parse)


class GuardedWebSocket(DiscordWebSocket):
    """discord.py's gateway connection, skipping frames it cannot decode."""

    async def received_message(self, msg: Any, /) -> None:
        if type(msg) is bytes:
            try:
                msg = self._decompressor.decompress(msg)
            except (zlib.error, UnicodeDecodeError) as exc:
                log.warning(
                    "skipped a malformed gateway frame: binary, %s; resuming on a new "
                    "connection: %s",
                    type(exc).__name__,
                    excerpt(msg),
                )
                # The inflater of this connection now holds a broken stream: every later
                # frame would fail too. A new connection starts a new one, and RESUME
                # replays the events that follow.
                await self.close(code=4000)
                raise ReconnectWebSocket(self.shard_id) from None
            if msg is None:
                return  # part of a frame; the rest follows
        if not msg.lstrip().startswith("{"):
            log.warning("skipped a malformed gateway frame: not a JSON object: %s", excerpt(msg))
            return
        try:
            await super().received_message(msg)
        except ValueError as exc:
            # Parsers are guarded on their own (guard_parsers), so a ValueError reaching here
            # comes from decoding the JSON text (json and orjson raise subclasses of it).
            log.warning(
                "skipped a malformed gateway frame: %s: %s", type(exc).__name__, excerpt(msg)
            )


class GuardedConnectionState(ConnectionState[ClientT]):
    """discord.py's connection state with guarded parsers. discord.py hands it every new
    gateway connection (`_update_references`) before the connection reads its first frame;
    that connection becomes a GuardedWebSocket there (the subclass adds no state)."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        guard_parsers(self.parsers)

    def _update_references(self, ws: DiscordWebSocket) -> None:
        super()._update_references(ws)
        if not isinstance(ws, GuardedWebSocket):
            ws.__class__ = GuardedWebSocket

    async def close(self) -> None:
        # A READY still gathering its servers (after a new IDENTIFY) would, once the client
        # has closed, mark it ready again and dispatch on_ready on the loop the closed client
        # let go of (the task fails there; the event's coroutine is never awaited). discord.py
        # does not end that wait on close; the sharded state has one per shard.
        shard_waits = getattr(self, "_ready_tasks", {}).values()
        for task in (self._ready_task, *shard_waits):
            if task is not None and not task.done():
                task.cancel()
        await super().close()
