"""Every slash command the bot registered, run once as a member with chosen option values.

The walk reads the commands from the emulator's registry (what the bot synced), so commands
added later (daily posts, rewards, reminders) are covered without editing the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.emulator.commands import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from tests.emulator.interactions import InteractionResult
from tests.emulator.server import Emulator
from tests.emulator.world import Channel, Member, Role

#: Commands a walk leaves out: they end the member's data (forget-me) or answer with a modal.
DESTRUCTIVE = ("roadmap forget-me",)


@dataclass(frozen=True)
class Leaf:
    """A command a member can type: its path ("roadmap-admin daily set") and options."""

    path: str
    options: tuple[dict[str, Any], ...]

    @property
    def top(self) -> str:
        return self.path.split()[0]

    def strings(self) -> list[dict[str, Any]]:
        """The free-text options: strings without fixed choices."""
        return [o for o in self.options if o["type"] == STRING and not o.get("choices")]


def _leaves(prefix: str, options: list[dict[str, Any]]) -> Iterator[Leaf]:
    nested = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if not nested:
        yield Leaf(prefix, tuple(options))
    for option in nested:
        yield from _leaves(f"{prefix} {option['name']}", option.get("options") or [])


def leaf_commands(emulator: Emulator, guild_id: int | None = None) -> list[Leaf]:
    """The global commands, plus those of `guild_id`, as leaves, in a stable order."""
    scopes = [None] if guild_id is None else [None, guild_id]
    found = [
        leaf
        for scope in scopes
        for command in emulator.commands.commands(scope)
        for leaf in _leaves(command.name, command.payload.get("options") or [])
    ]
    return sorted(found, key=lambda leaf: leaf.path)


@dataclass
class Targets:
    """The world objects given to user, channel and role options."""

    member: Member
    channel: Channel
    role: Role


TextFor = Callable[[Leaf, dict[str, Any]], Any]


async def option_values(
    emulator: Emulator,
    leaf: Leaf,
    actor: Member,
    targets: Targets,
    text: TextFor,
    *,
    autocomplete_first: bool,
) -> dict[str, Any]:
    """Values for every option of `leaf`: objects for user/channel/role options, the first
    fixed choice, and `text(...)` for free text (or, with `autocomplete_first`, the first
    suggestion of an autocompleted option when there is one)."""
    values: dict[str, Any] = {}
    for option in leaf.options:
        kind, name = option["type"], option["name"]
        if kind == USER:
            values[name] = targets.member
        elif kind == CHANNEL:
            values[name] = targets.channel
        elif kind in (ROLE, MENTIONABLE):
            values[name] = targets.role
        elif kind == BOOLEAN:
            values[name] = False
        elif kind in (INTEGER, NUMBER):
            values[name] = option.get("min_value", 1)
        elif option.get("choices"):
            values[name] = option["choices"][0]["value"]
        else:
            chosen = None
            if autocomplete_first and option.get("autocomplete"):
                choices = await emulator.autocomplete(
                    actor.guild, actor, leaf.path, name, "", options=dict(values)
                )
                chosen = choices[0]["value"] if choices else None
            values[name] = chosen if chosen is not None else text(leaf, option)
    return values


async def run_every_command(
    emulator: Emulator,
    actor: Member,
    targets: Targets,
    text: TextFor,
    *,
    autocomplete_first: bool = False,
    select: Callable[[Leaf], bool] = lambda leaf: True,
) -> dict[str, InteractionResult]:
    """Run each selected leaf command (but the DESTRUCTIVE ones) once as `actor`; every one
    must be answered (the emulator raises when Discord would not even send it). Returns the
    results by path."""
    results: dict[str, InteractionResult] = {}
    for leaf in leaf_commands(emulator, actor.guild.id):
        if leaf.path in DESTRUCTIVE or not select(leaf):
            continue
        values = await option_values(
            emulator, leaf, actor, targets, text, autocomplete_first=autocomplete_first
        )
        results[leaf.path] = await emulator.slash(actor.guild, actor, leaf.path, values)
    return results


def fit(text: str, option: dict[str, Any]) -> str:
    """`text` cut to the option's max_length (Discord's client would not send more)."""
    limit = option.get("max_length")
    return text[:limit] if limit else text
