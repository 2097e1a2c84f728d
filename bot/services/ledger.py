"""The exactly-once delivery ledger's rules, for every scheduled send (DESIGN section 4).

A kind of send (the daily post, the personal reminder, the weekly post) tells the ledger how to
send one request and how to rebuild it from its ledger row (a `Courier`); the ledger does the
rest, the same way for all of them:
- a tick takes the tick lock, first settles the rows a crash (or a passing failure) left
  `sending`, then lets the kind claim what is due (the claim is a row inserted before anything
  is sent) and sends each claimed request in its own task, bounded in number;
- one send waits for a REST slot, counts the attempt in the ledger BEFORE the request leaves
  (so a row with no attempt surely never reached Discord), sends with a deterministic nonce
  whose first letter is the kind's (a repeat within Discord's nonce window returns the first
  message), and records the outcome;
- a row found `sending` is resent while that is safe (never attempted and within the grace, or
  attempted within the nonce window), else settled `missed` (never attempted) or looked for in
  the channel (`unknown` when not found, or when the kind leaves no trace to look for).
Exactly once comes from the ledger's unique keys, its atomic status changes and the nonces; the
in-flight set only saves this process from resolving its own sends.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, Literal, Protocol, TypeVar

from bot.records import DAILY, REMINDER, WEEKLY, Delivery
from bot.services.clock import Clock
from bot.services.delivery import SendOutcome
from bot.store.ledger import DeliveryKey, Effect, LedgerRepository, key_of

log = logging.getLogger(__name__)

#: Discord remembers a nonce for a few minutes: a claim attempted less than this ago is simply
#: sent again with the same nonce (a repeat returns the first message); an older one is not.
RESEND_WINDOW = timedelta(minutes=4)
#: Passing failures of one claim retried before it is settled some other way.
MAX_ATTEMPTS = 5
#: The first character of each kind's nonces: two kinds to one channel never share a nonce.
NONCE_LETTERS = {DAILY: "d", REMINDER: "r", WEEKLY: "w"}

#: What becomes of a claim left `sending` (by a crash or a passing failure): `resend` it with
#: its nonce, record it `missed` (never attempted, and now too late), or it is `doubtful`
#: (attempted long ago: it may have arrived, so it must not be sent blindly).
Fate = Literal["resend", "missed", "doubtful"]

RequestT = TypeVar("RequestT")
DueT = TypeVar("DueT")  # a kind's due schedule


def unfinished_fate(
    *,
    attempts: int,
    due: datetime,
    first_attempt_at: datetime | None,
    now: datetime,
    grace: timedelta,
    resend_window: timedelta = RESEND_WINDOW,
) -> Fate:
    """DESIGN section 4's rule for a claim found `sending`, for every kind alike. A claim with
    no attempt surely never reached Discord (the attempt is counted before the request leaves),
    so it goes out while still within the grace after it was due."""
    if attempts == 0:
        return "resend" if now - due <= grace else "missed"
    first = first_attempt_at or due
    if now - first < resend_window and attempts < MAX_ATTEMPTS:
        return "resend"
    return "doubtful"


def delivery_nonce(key: DeliveryKey) -> str:
    """20 characters (Discord allows 25): the kind's letter, then a hash of the server, the
    subject and the period in base 36 (the ids in full would not fit)."""
    text = f"{key.kind}:{key.guild_id}:{key.subject_id}:{key.period}"
    digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=12).digest(), "big")
    return NONCE_LETTERS[key.kind] + _base36(digest).rjust(19, "0")


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


class Courier(Protocol[RequestT]):
    """What one kind of scheduled send tells the ledger."""

    async def send(self, request: RequestT) -> SendOutcome:
        """Send it with its nonce (the sender should answer, not raise)."""
        ...

    async def rebuild(self, row: Delivery) -> RequestT | None:
        """The request of a row left `sending`, to resend it; None when it cannot be made
        (its topic left the content, the member finished the roadmap)."""
        ...

    async def find_sent(self, row: Delivery) -> SendOutcome | None:
        """Look for an attempted, doubtful send where Discord keeps it (a channel's history):
        `sent`, `missing`, or `retry`/`refused` when that cannot be read; None when the kind
        leaves no trace to look for (a DM)."""
        ...

    def on_sent(self, key: DeliveryKey, outcome: SendOutcome) -> Effect | None:
        """The kind's write in the same transaction as recording `sent`."""
        ...

    def on_refused(self, key: DeliveryKey, reason: str) -> Effect | None:
        """The kind's write in the same transaction as recording `failed` (Discord will never
        take it: turn the schedule off, with the reason)."""
        ...


@dataclass
class DeliveryCounts:
    """What one tick's sends and resolutions came to."""

    sent: int = 0
    refused: int = 0
    retrying: int = 0
    missed: int = 0  # never attempted, and now too late
    resolved: int = 0  # a doubtful send found where Discord keeps it
    unknown: int = 0  # a doubtful send not found: never sent blindly again

    def count(self, outcome: SendOutcome) -> None:
        if outcome.kind == "sent":
            self.sent += 1
        elif outcome.kind == "refused":
            self.refused += 1
        elif outcome.kind == "retry":
            self.retrying += 1


@dataclass
class TickRun(Generic[RequestT]):
    """One tick's send tasks; the kind's claims spawn into it."""

    ledger: DeliveryLedger[RequestT]
    counts: DeliveryCounts = field(default_factory=DeliveryCounts)
    # Only the sends still running are kept: a finished one is counted and let go, so a
    # fan-out's thousands of done tasks are not left for the garbage collector to walk.
    pending: set[asyncio.Task[SendOutcome]] = field(default_factory=set)
    error: BaseException | None = None  # the first send that raised
    _progress: asyncio.Event = field(default_factory=asyncio.Event)

    def spawn(self, key: DeliveryKey, request: RequestT) -> None:
        """Send a claimed request in its own task (its key stays in flight until recorded)."""
        self.ledger.in_flight.add(key)
        task = asyncio.ensure_future(self.ledger.deliver(key, request))
        self.pending.add(task)
        task.add_done_callback(self._finished)

    async def wait_for_room(self, ahead: int) -> None:
        """Wait until at most `ahead` spawned sends are unfinished. A kind claims its next
        batch only then, so its claims run ahead of the sends by about a batch instead of
        claiming a whole busy minute at once: the requests waiting in memory (and the rows
        left `sending` by a crash) stay a batch or two, not thousands. Raises what a send
        raised."""
        while len(self.pending) > ahead and self.error is None:
            self._progress.clear()
            await self._progress.wait()
        if self.error is not None:
            raise self.error

    async def finish(self) -> DeliveryCounts:
        """Wait for every send; raises the first error of one (the others go on, as with
        `gather`). Cancelled, it cancels the sends still running."""
        try:
            await self.wait_for_room(0)
        except asyncio.CancelledError:
            for task in self.pending:
                task.cancel()
            raise
        return self.counts

    def _finished(self, task: asyncio.Task[SendOutcome]) -> None:
        self.pending.discard(task)
        if not task.cancelled():
            error = task.exception()
            if error is None:
                self.counts.count(task.result())
            elif self.error is None:
                self.error = error
        self._progress.set()


class DeliveryLedger(Generic[RequestT]):
    """Claims, sends, records and resolves one kind of scheduled send."""

    def __init__(
        self,
        kind: str,
        store: LedgerRepository,
        clock: Clock,
        courier: Courier[RequestT],
        *,
        grace: timedelta,
        resend_window: timedelta = RESEND_WINDOW,
        pace: Callable[[], Awaitable[object]] | None = None,
        concurrency: int = 64,
    ) -> None:
        self.kind = kind
        self.store = store
        self.clock = clock
        self.courier = courier
        self.grace = grace
        self.resend_window = resend_window
        self._pace = pace  # waits for a REST slot, before a send is counted
        # Keys this process is claiming or sending right now: its resolver leaves them alone.
        self.in_flight: set[DeliveryKey] = set()
        self._tick_lock = asyncio.Lock()  # ticks never overlap, whoever calls them
        # Sends waiting for Discord at once: thousands due in one minute queue here, not as
        # thousands of open requests.
        self._sending = asyncio.Semaphore(concurrency)

    # --- a tick -----------------------------------------------------------------------------

    async def tick(
        self, claim_due: Callable[[TickRun[RequestT]], Awaitable[None]]
    ) -> DeliveryCounts:
        """Settle unfinished rows, let `claim_due` claim and spawn what is due, wait for every
        send; what it came to."""
        async with self._tick_lock:
            run = TickRun(self)
            await self._resolve_unfinished(run)
            await claim_due(run)
            return await run.finish()

    async def tick_in_batches(
        self,
        due: Callable[[datetime, int], Awaitable[Sequence[DueT]]],
        claim_batch: Callable[[Sequence[DueT], datetime, TickRun[RequestT]], Awaitable[None]],
        batch_size: int,
    ) -> DeliveryCounts:
        """A `tick` whose kind claims in batches: `due(now, limit)` reads up to `batch_size`
        schedules due by now (the claims move them on, so the next read finds the next
        ones), `claim_batch` claims and spawns their sends, until fewer than a batch were
        due."""

        async def claim_due(run: TickRun[RequestT]) -> None:
            while True:
                # Due by now, read per batch: a fan-out still falling due while this tick
                # sends (5,000 posts over a minute) is claimed as it falls due, not left for
                # the next tick, 30 s later (bench_cluster --tick 30: the proxy idled 15 s).
                now = self.clock.now()
                batch = await due(now, batch_size)
                if batch:
                    await claim_batch(batch, now, run)
                if len(batch) < batch_size:
                    return
                # The next batch once this one's sends are under way (claims stay a batch
                # ahead of the sends); it also lets members' commands in between batches.
                await run.wait_for_room(batch_size)
                await asyncio.sleep(0)

        return await self.tick(claim_due)

    async def claiming(
        self, keys: Iterable[DeliveryKey], write: Callable[[], Awaitable[set[DeliveryKey]]]
    ) -> set[DeliveryKey]:
        """Run the claim `write` (which returns the keys it inserted) with `keys` in flight, so
        this process's resolver never takes a row being claimed for its own; the keys not ours
        leave the in-flight set again, unless something else here is sending them."""
        wanted = set(keys)
        busy = self.in_flight & wanted
        self.in_flight |= wanted
        ours: set[DeliveryKey] = set()
        try:
            ours = await write()
        finally:
            self.in_flight -= (wanted - busy) - ours
        return ours

    def is_in_flight(self, key: DeliveryKey) -> bool:
        return key in self.in_flight

    # --- one send ---------------------------------------------------------------------------

    async def deliver(self, key: DeliveryKey, request: RequestT) -> SendOutcome:
        """Send one claimed request (its key in flight) and record the outcome; the row stays
        `sending` on a passing failure (the resolver retries it with the same nonce)."""
        try:
            # The record stays inside the bound: thousands of sends finishing at once would
            # otherwise queue thousands of writes, and their answers, in one burst.
            async with self._sending:
                outcome = await self._attempt(key, request)
                if outcome.kind != "skipped":
                    await self._record(key, outcome)
            return outcome
        finally:
            self.in_flight.discard(key)

    async def _attempt(self, key: DeliveryKey, request: RequestT) -> SendOutcome:
        if self._pace is not None:
            await self._pace()
        if not await self.store.begin_attempt(key, self.clock.now()):
            return SendOutcome.skipped()  # settled meanwhile: nothing must be sent
        try:
            return await self.courier.send(request)
        except Exception as exc:  # the sender should not raise; the claim is never lost
            log.exception("%s: sender failed", _describe(key))
            return SendOutcome.retry(f"unexpected error: {type(exc).__name__}")

    async def _record(self, key: DeliveryKey, outcome: SendOutcome) -> None:
        now = self.clock.now()
        if outcome.kind == "sent" and outcome.message_id is not None:
            await self.store.finish(
                key, status="sent", now=now, message_id=outcome.message_id,
                effect=self.courier.on_sent(key, outcome),
            )  # fmt: skip
            log.info("%s sent message=%s", _describe(key), outcome.message_id)
        elif outcome.kind == "refused":
            reason = outcome.reason or "Discord refused it"
            await self.store.finish(
                key, status="failed", now=now, error=reason,
                effect=self.courier.on_refused(key, reason),
            )  # fmt: skip
            log.warning("%s refused, turned off: %s", _describe(key), reason)
        else:
            await self.store.note_error(key, outcome.reason or "no answer")
            log.warning("%s will be retried: %s", _describe(key), outcome.reason)

    # --- crash resolution -------------------------------------------------------------------

    async def _resolve_unfinished(self, run: TickRun[RequestT]) -> None:
        """Rows left `sending` by a crash or a passing failure (DESIGN section 4)."""
        now = self.clock.now()
        for row in await self.store.unfinished(self.kind):
            key = key_of(row)
            if key in self.in_flight:
                continue
            fate = unfinished_fate(
                attempts=row.attempts, due=row.scheduled_for or row.claimed_at,
                first_attempt_at=row.first_attempt_at, now=now, grace=self.grace,
                resend_window=self.resend_window,
            )  # fmt: skip
            request = await self.courier.rebuild(row) if fate == "resend" else None
            if request is not None:
                # Same nonce: if an earlier send reached Discord, this returns that message.
                run.spawn(key, request)
            elif row.attempts == 0:
                error = "the bot stopped before sending it"
                await self.store.finish(key, status="missed", now=now, error=error)
                run.counts.missed += 1
                log.warning("%s missed: %s", _describe(key), error)
            else:
                await self._settle_doubtful(row, run.counts)

    async def _settle_doubtful(self, row: Delivery, counts: DeliveryCounts) -> None:
        """Attempted too long ago to resend safely: it either arrived or not. Look where
        Discord keeps it when the kind can; never send it blindly."""
        key, now = key_of(row), self.clock.now()
        try:
            if self._pace is not None:
                await self._pace()  # a history read is REST traffic too
            found = await self.courier.find_sent(row)
        except Exception as exc:
            log.exception("%s: history search failed", _describe(key))
            found = SendOutcome.retry(type(exc).__name__)
        if found is not None and found.kind == "sent" and found.message_id is not None:
            await self.store.finish(
                key, status="sent", now=now, message_id=found.message_id,
                effect=self.courier.on_sent(key, found),
            )  # fmt: skip
            counts.resolved += 1
            log.info("%s found after a crash", _describe(key))
        elif found is not None and found.kind == "retry" and now - row.claimed_at <= self.grace:
            await self.store.note_error(key, found.reason or "")
            counts.retrying += 1
        else:
            if found is None:
                reason = "the bot stopped while sending it; not sent again"
            else:
                reason = found.reason or "not found after a restart; not sent again"
            await self.store.finish(key, status="unknown", now=now, error=reason)
            counts.unknown += 1
            log.warning("%s unknown: %s", _describe(key), reason)


def _describe(key: DeliveryKey) -> str:
    return f"{key.kind} guild={key.guild_id} subject={key.subject_id} period={key.period}"
