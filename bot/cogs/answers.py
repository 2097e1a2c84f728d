"""Every interaction answered within Discord's 3 seconds, whatever the work behind it waits for.

When a command or a button starts, `guard` sets a timer: if no answer has gone out about 2 s
after Discord created the interaction (a locked database, a slow disk), it defers, as a
"thinking" message for a command (ephemeral unless the command was asked `public`) or as a
deferred update for a button. `answer` and `answer_edit` then reply the right way whichever came
first: the first response while there is none, else a follow-up or an edit of the original.
One lock per interaction keeps the timer and the reply from both acknowledging it (40060).

In a crowd (many presses under way at once, or a press that waited in the event loop's queue)
a press is acknowledged first, before any of its work (`acknowledge_first`), and its work waits
until the presses queued behind it are acknowledged too: on a busy process the timer would fire
late (it waits its turn in the same queue as the work), and the first responses would all come
after the work of every press before them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import discord

log = logging.getLogger(__name__)

#: Seconds after the interaction's creation at which an unanswered one is deferred: Discord
#: refuses a first answer after 3 s, and the deferral itself needs a round trip.
DEFER_AFTER = 2.0
_KEY = "study.answer_guard"


RESTARTING = "I'm restarting; try again in a minute."

#: A press is acknowledged first when this many presses are under way (this one included)...
CROWD = 4
#: ...or when it began this many seconds after Discord created it (it waited in the queue).
LATE_START = 0.5
#: How long an acknowledged press's work waits at most for the acknowledgements behind it
#: (the bound only matters under a stream of presses that never lets up). With 2 s the work of
#: the first presses competed with the acknowledgements of the rest: a crowd of 2,000 at load 4
#: had its p50 first response at 8 s; with the work waiting, 2.7 s (bench_presses, load 1).
ACKNOWLEDGED_WAIT = 10.0


class InFlight:
    """The interactions a bot is handling now, so that a stop can let them answer first, and
    the presses under way and being acknowledged, for `acknowledge_first`."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self.presses = 0
        self.acknowledging = 0
        self._none_acknowledging = asyncio.Event()
        self._none_acknowledging.set()

    def track(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self.tasks:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    @contextlib.contextmanager
    def press(self) -> Iterator[None]:
        self.presses += 1
        try:
            yield
        finally:
            self.presses -= 1

    async def acknowledge(self, started: AnswerGuard) -> None:
        """Acknowledge `started`, then wait (bounded) until no other press is acknowledging."""
        self.acknowledging += 1
        self._none_acknowledging.clear()
        try:
            await started.defer()
        finally:
            self.acknowledging -= 1
            if self.acknowledging == 0:
                self._none_acknowledging.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ACKNOWLEDGED_WAIT):
                await self._none_acknowledging.wait()


class AnswerGuard:
    """The deferral timer and the answer lock of one interaction."""

    def __init__(self, interaction: discord.Interaction, *, ephemeral: bool) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral
        self.lock = asyncio.Lock()
        self.deferred = False
        #: Set once the interaction's own answer went out (not a deferral): see `answered`.
        self.answered = asyncio.Event()
        # A timer handle, not a task sleeping: most interactions answer before it fires, and a
        # crowd's thousands of guards then cost a handle each, not a task and a future.
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            max(0.0, DEFER_AFTER - self.age()), self._defer_now
        )
        self._deferring: asyncio.Task[None] | None = None

    def age(self) -> float:
        """Seconds since Discord created the interaction."""
        return (discord.utils.utcnow() - self.interaction.created_at).total_seconds()

    def _defer_now(self) -> None:
        self._timer = None
        self._deferring = asyncio.get_running_loop().create_task(self.defer())

    async def defer(self) -> None:
        """Acknowledge now, unless an answer went out already."""
        async with self.lock:
            response = self.interaction.response
            if response.is_done():
                return
            try:
                if self.interaction.type is discord.InteractionType.component:
                    await response.defer()  # the button's message is edited or followed up
                else:
                    await response.defer(ephemeral=self.ephemeral, thinking=True)
                self.deferred = True
            except discord.HTTPException as exc:
                log.warning("could not defer %s: %s", _what(self.interaction), exc)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._deferring is not None and self._deferring is not asyncio.current_task():
            self._deferring.cancel()


def guard(interaction: discord.Interaction, *, ephemeral: bool = True) -> AnswerGuard:
    """Start (once) the deferral timer of a command or button interaction."""
    existing = interaction.extras.get(_KEY)
    if isinstance(existing, AnswerGuard):
        return existing
    started = AnswerGuard(interaction, ephemeral=ephemeral)
    interaction.extras[_KEY] = started
    in_flight = getattr(interaction.client, "in_flight", None)
    if isinstance(in_flight, InFlight):
        in_flight.track()
    return started


def pressing(interaction: discord.Interaction) -> contextlib.AbstractContextManager[None]:
    """Counts a press as under way while the block runs (for `acknowledge_first`)."""
    in_flight = getattr(interaction.client, "in_flight", None)
    return in_flight.press() if isinstance(in_flight, InFlight) else contextlib.nullcontext()


async def acknowledge_first(interaction: discord.Interaction, started: AnswerGuard) -> None:
    """In a crowd (CROWD presses under way, or a press that began LATE_START after it was
    created), acknowledge the press now, before its work, and let the presses queued behind it
    be acknowledged before the work begins. A press alone is answered in one response."""
    in_flight = getattr(interaction.client, "in_flight", None)
    if not isinstance(in_flight, InFlight):
        return
    if in_flight.presses >= CROWD or in_flight.acknowledging or started.age() > LATE_START:
        await in_flight.acknowledge(started)


def stopping(interaction: discord.Interaction) -> bool:
    """Whether the bot is stopping, so new work should be refused."""
    in_flight = getattr(interaction.client, "in_flight", None)
    return isinstance(in_flight, InFlight) and in_flight.stopping


def _guard_of(interaction: discord.Interaction) -> AnswerGuard | None:
    found = interaction.extras.get(_KEY)
    return found if isinstance(found, AnswerGuard) else None


def _lock(interaction: discord.Interaction) -> contextlib.AbstractAsyncContextManager[Any]:
    found = _guard_of(interaction)
    return found.lock if found is not None else contextlib.nullcontext()


async def defer(interaction: discord.Interaction) -> None:
    """Acknowledge at once, for work known to be slow (a content reload)."""
    await guard(interaction).defer()


async def answer(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> None:
    """Reply with a new message: the first response, or a follow-up after a deferral."""
    if content is not None:
        kwargs["content"] = content
    async with _lock(interaction):
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    _stop(interaction)


async def answer_edit(interaction: discord.Interaction, **kwargs: Any) -> None:
    """Replace the message a button is on: as the response, or by editing it after a deferral."""
    async with _lock(interaction):
        if interaction.response.is_done():
            await interaction.edit_original_response(**kwargs)
        else:
            await interaction.response.edit_message(**kwargs)
    _stop(interaction)


def _stop(interaction: discord.Interaction) -> None:
    found = _guard_of(interaction)
    if found is not None:
        found.stop()
        found.answered.set()


async def answered(interaction: discord.Interaction, within: float) -> bool:
    """Wait (up to `within` seconds) until the interaction's own answer went out, for a
    follow-up that must come after it: a deferral ("thinking") is not the answer, and a
    follow-up sent then would take the answer's place. Whether it did."""
    found = _guard_of(interaction)
    if found is None:  # answered without the guard: acknowledged is answered
        deadline = asyncio.get_running_loop().time() + within
        while not interaction.response.is_done():
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True
    try:
        await asyncio.wait_for(found.answered.wait(), within)
    except TimeoutError:
        return False
    return True


def _what(interaction: discord.Interaction) -> str:
    name = interaction.command.qualified_name if interaction.command else None
    data: dict[str, Any] = dict(interaction.data or {})
    return f"/{name}" if name else f"component {data.get('custom_id')}"
