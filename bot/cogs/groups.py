"""The two top-level slash command groups, and how a cog hangs its commands under them.

`/roadmap` (members) and `/roadmap-admin` (moderators) are shared by several cogs, so they are
created once per bot (never at import time) and each cog attaches its own subcommands and
subgroups in `cog_load`, before the tree is synced. See bot/cogs/__init__.py for the recipe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import StudyBot

MEMBER_GROUP = "roadmap"
ADMIN_GROUP = "roadmap-admin"

# (uses, seconds) per member per command unless a command asks for its own.
DEFAULT_COOLDOWN = (8, 20.0)

_MARK = "__study_subcommand__"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    """What `@subcommand` records on a cog method until `attach` turns it into a Command."""

    qualified_name: str
    description: str
    cooldown: tuple[int, float]


def subcommand(
    qualified_name: str, description: str, *, cooldown: tuple[int, float] = DEFAULT_COOLDOWN
) -> Callable[[F], F]:
    """Mark a cog method as the slash command `qualified_name` (e.g. "roadmap next").

    The method keeps working with discord.py's other decorators (`describe`, `autocomplete`,
    `rename`, checks); `attach` builds the Command from it with a per-member cooldown.
    """
    if len(qualified_name.split()) < 2:
        raise ValueError(f"{qualified_name!r}: a subcommand needs a parent group")

    def mark(method: F) -> F:
        setattr(method, _MARK, SubcommandSpec(qualified_name, description, cooldown))
        return method

    return mark


def _member_key(interaction: discord.Interaction) -> tuple[int | None, int]:
    return (interaction.guild_id, interaction.user.id)


def _guild_only_group(name: str, description: str, **kwargs: Any) -> app_commands.Group:
    return app_commands.Group(
        name=name,
        description=description,
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        **kwargs,
    )


@dataclass
class CommandGroups:
    """The shared top-level groups of one bot, and the commands each cog attached."""

    member: app_commands.Group
    admin: app_commands.Group
    _attached: dict[int, list[app_commands.Command | app_commands.Group]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def create(cls) -> CommandGroups:
        return cls(
            member=_guild_only_group(
                MEMBER_GROUP, "Study the roadmap: next topic, progress, streaks"
            ),
            admin=_guild_only_group(
                ADMIN_GROUP,
                "Set up the roadmap for this server (needs Manage Server)",
                default_permissions=discord.Permissions(manage_guild=True),
            ),
        )

    def tops(self) -> tuple[app_commands.Group, app_commands.Group]:
        return (self.member, self.admin)

    def find_group(self, qualified_name: str) -> app_commands.Group:
        """The group named by a qualified name such as "roadmap" or "roadmap remind"."""
        first, *rest = qualified_name.split()
        found = {g.name: g for g in self.tops()}.get(first)
        for part in rest:
            child = found.get_command(part) if found else None
            found = child if isinstance(child, app_commands.Group) else None
        if found is None:
            raise LookupError(f"no command group {qualified_name!r}; create it before attaching")
        return found

    def add_subgroup(
        self, owner: object, parent: str, name: str, description: str
    ) -> app_commands.Group:
        """Create the subgroup `parent name` (e.g. "roadmap remind") on behalf of cog `owner`."""
        group = app_commands.Group(
            name=name, description=description, parent=self.find_group(parent)
        )
        self._attached.setdefault(id(owner), []).append(group)
        return group

    def attach(self, cog: object) -> list[app_commands.Command]:
        """Turn every `@subcommand` method of `cog` into a Command under its parent group."""
        made: list[app_commands.Command] = []
        for spec, method in _marked_methods(cog):
            parent_name, _, name = spec.qualified_name.rpartition(" ")
            parent = self.find_group(parent_name)
            if parent.get_command(name) is not None:
                raise ValueError(f"/{spec.qualified_name} is defined twice")
            command: app_commands.Command[Any, ..., Any] = app_commands.Command(
                name=name, description=spec.description, callback=method, parent=parent
            )
            # Discord hides guild-only commands in DMs; checked again in case a client does not.
            command.add_check(_in_server)
            rate, per = spec.cooldown
            command.add_check(MemberCooldown(rate, per))
            parent.add_command(command)
            made.append(command)
        self._attached.setdefault(id(cog), []).extend(made)
        return made

    def detach(self, cog: object) -> None:
        """Remove everything `cog` attached or created (for cog_unload)."""
        for item in reversed(self._attached.pop(id(cog), [])):
            if item.parent is not None:
                item.parent.remove_command(item.name)


class SubcommandCog(commands.Cog):
    """A cog whose `@subcommand` methods hang under the bot's shared groups while it is loaded.
    A cog that also creates subgroups adds them in its own `cog_load` before calling this one."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.command_groups.attach(self)

    async def cog_unload(self) -> None:
        self.bot.command_groups.detach(self)


def _marked_methods(cog: object) -> Iterator[tuple[SubcommandSpec, Callable[..., Any]]]:
    seen: set[str] = set()
    # Definition order, base classes first, so the command list reads like the source.
    for klass in reversed(type(cog).__mro__):
        for attr, value in vars(klass).items():
            spec = getattr(value, _MARK, None)
            if isinstance(spec, SubcommandSpec) and attr not in seen:
                seen.add(attr)
                yield spec, getattr(cog, attr)


def _in_server(interaction: discord.Interaction) -> bool:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return True


class MemberCooldown:
    """A per-member (per server) cooldown check, like `app_commands.checks.cooldown`.

    Made per Command rather than with the decorator: the decorator keeps its buckets on the
    method's function, which every bot instance shares (tests restart the bot in one process).
    Once per window the members whose window has passed are forgotten, so the buckets hold only
    those active in the last two windows, however many members a server has.
    """

    def __init__(self, rate: int, per: float, *, clock: Callable[[], float] = time.time) -> None:
        self.rate, self.per = rate, per
        self._clock = clock
        self._buckets: dict[tuple[int | None, int], app_commands.Cooldown] = {}
        self._next_sweep = clock() + per

    def __len__(self) -> int:
        """How many members the check currently remembers."""
        return len(self._buckets)

    def __call__(self, interaction: discord.Interaction) -> bool:
        now = self._clock()
        if now >= self._next_sweep:
            self._forget_idle(now)
        key = _member_key(interaction)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = app_commands.Cooldown(self.rate, self.per)
        retry_after = bucket.update_rate_limit(now)
        if retry_after:
            raise app_commands.CommandOnCooldown(bucket, retry_after)
        return True

    def _forget_idle(self, now: float) -> None:
        # A bucket back at full tokens is one whose window has passed: it equals a fresh one.
        idle = [key for key, bucket in self._buckets.items() if bucket.get_tokens(now) >= self.rate]
        for key in idle:
            del self._buckets[key]
        self._next_sweep = now + self.per
