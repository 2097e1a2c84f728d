"""Which of the bot's gateway shards this process runs, and so which servers it serves.

Discord gives every server to one shard, `(guild_id >> 22) % shard_count`, and direct messages
to shard 0. A process runs the shards of a `ShardPlan`: named outright (`SHARD_IDS=0-3`), or
following from a slot number (`SHARD_SLOT`) through a `SlotLayout`. The rule for slots
(README, "Running past one machine"):

- `SHARDS_PER_SLOT=k`: slot s runs shards s*k .. s*k+k-1 (the last slot may run fewer), so there
  are ceil(SHARD_COUNT / k) slots;
- `SHARD_SLOTS=n` (an even split): slot s runs shards floor(s*count/n) .. floor((s+1)*count/n)-1,
  contiguous ranges whose sizes differ by at most one.

Contiguous ranges put a slot's shards in different identify buckets (`shard_id %
max_concurrency`), so on a large bot they identify side by side. No discord import here: the
planners and the store use a plan too.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events on."""
    return (guild_id >> 22) % shard_count


def format_ids(ids: tuple[int, ...] | list[int]) -> str:
    """Shard ids as an operator writes them: runs of consecutive ids as ranges ("0-3,6")."""
    parts: list[str] = []
    ordered = sorted(ids)
    start = 0
    for index in range(1, len(ordered) + 1):
        if index == len(ordered) or ordered[index] != ordered[index - 1] + 1:
            first, last = ordered[start], ordered[index - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = index
    return ",".join(parts)


def parse_shard_ids(raw: str, shard_count: int) -> tuple[int, ...]:
    """`0-3`, `0,2,5` or `0-3,8-11` as sorted shard ids; ValueError says what is wrong."""
    ids: set[int] = set()
    for part in raw.split(","):
        text = part.strip()
        if not text:
            continue
        first_text, dash, last_text = text.partition("-")
        first_text, last_text = first_text.strip(), last_text.strip()
        if not first_text.isdigit() or (dash and not last_text.isdigit()):
            raise ValueError(
                f"{text!r} is neither a shard id nor a range such as 0-3 "
                "(write ids and ranges separated by commas: 0-3 or 0,2,5)"
            )
        first = int(first_text)
        last = int(last_text) if dash else first
        if last < first:
            raise ValueError(f"the range {text!r} runs backwards; write it {last}-{first}")
        if last >= shard_count:
            raise ValueError(
                f"shard {last} does not exist with SHARD_COUNT={shard_count}: "
                f"shard ids run from 0 to {shard_count - 1}"
            )
        ids.update(range(first, last + 1))
    if not ids:
        raise ValueError("no shard id given (write ids and ranges such as 0-3 or 0,2,5)")
    return tuple(sorted(ids))


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """The shards one process runs: `count` across the whole bot, `ids` of them here, and the
    slot they came from (None when named outright, or when one process runs them all)."""

    count: int
    ids: tuple[int, ...]
    slot: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a bot has at least one shard, not {self.count}")
        if not self.ids:
            raise ValueError("a shard plan runs at least one shard")
        if list(self.ids) != sorted(set(self.ids)) or not 0 <= self.ids[0] <= self.ids[-1]:
            raise ValueError(f"shard ids must be distinct and sorted, not {self.ids}")
        if self.ids[-1] >= self.count:
            raise ValueError(f"shard {self.ids[-1]} does not exist among {self.count} shards")

    @classmethod
    def whole(cls, count: int) -> ShardPlan:
        """One process running every shard."""
        return cls(count, tuple(range(count)))

    def owns(self, guild_id: int | None) -> bool:
        """Whether this process receives the server's events (None: a DM, which is shard 0's)."""
        if guild_id is None:
            return self.runs_shard_zero
        return shard_of(guild_id, self.count) in self.ids

    def owns_guild(self, guild_id: int) -> bool:
        """Whether the server is on one of this process's shards (what a planner asks)."""
        return shard_of(guild_id, self.count) in self.ids

    @property
    def runs_shard_zero(self) -> bool:
        """Shard 0 carries the DMs, and its process syncs the commands (once per deploy)."""
        return self.ids[0] == 0

    @property
    def label(self) -> str:
        """What a log line and the health check name this process by: "slot=1 shards=4-7/16"."""
        slot = "-" if self.slot is None else str(self.slot)
        return f"slot={slot} shards={format_ids(self.ids)}/{self.count}"


@dataclass(frozen=True, slots=True)
class SlotLayout:
    """How SHARD_COUNT shards are cut into slots (module docstring: the rule)."""

    shard_count: int
    slot_count: int
    #: Set with SHARDS_PER_SLOT; None for the even split of SHARD_SLOTS.
    per_slot: int | None = None

    @classmethod
    def by_size(cls, shard_count: int, per_slot: int) -> SlotLayout:
        """SHARDS_PER_SLOT: slots of `per_slot` shards, the last one possibly smaller."""
        if per_slot < 1:
            raise ValueError(f"a slot runs at least one shard, not {per_slot}")
        return cls(shard_count, -(-shard_count // per_slot), per_slot)

    @classmethod
    def even(cls, shard_count: int, slot_count: int) -> SlotLayout:
        """SHARD_SLOTS: `slot_count` contiguous ranges whose sizes differ by at most one."""
        if not 1 <= slot_count <= shard_count:
            raise ValueError(
                f"{slot_count} slots cannot share {shard_count} shards: "
                f"every slot needs at least one shard (1 to {shard_count} slots)"
            )
        return cls(shard_count, slot_count)

    def shards_of(self, slot: int) -> tuple[int, ...]:
        if not 0 <= slot < self.slot_count:
            raise ValueError(
                f"slot {slot} does not exist: there are {self.slot_count} slots, "
                f"0 to {self.slot_count - 1}"
            )
        if self.per_slot is not None:
            first = slot * self.per_slot
            return tuple(range(first, min(first + self.per_slot, self.shard_count)))
        first = slot * self.shard_count // self.slot_count
        end = (slot + 1) * self.shard_count // self.slot_count
        return tuple(range(first, end))

    def plan(self, slot: int) -> ShardPlan:
        return ShardPlan(self.shard_count, self.shards_of(slot), slot)

    @property
    def slots(self) -> tuple[int, ...]:
        return tuple(range(self.slot_count))
