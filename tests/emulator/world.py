"""The emulated Discord world: the application and its bot, guilds, channels, roles, members.

Tests build it before (or while) the bot runs. Permission arithmetic follows Discord's rules
(owner, Administrator, @everyone, role and member overwrites, no View Channel hides everything)
so that "bot lacks Embed Links in #x" or "role above the bot's top role" can be set up directly.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord

from tests.emulator.snowflakes import SnowflakeFactory

ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
VIEW_CHANNEL = discord.Permissions(view_channel=True).value
SEND_MESSAGES = discord.Permissions(send_messages=True).value
# Without Send Messages these do nothing in a text channel, as in Discord's own computation.
_NEEDS_SEND = discord.Permissions(
    send_tts_messages=True, mention_everyone=True, embed_links=True, attach_files=True
).value

# The bot's managed role sits here unless a test moves it; new roles go below it by default.
BOT_ROLE_POSITION = 50

PermissionSpec = int | str | Iterable[str] | discord.Permissions | None

TEXT, DM, VOICE, CATEGORY, ANNOUNCEMENT = 0, 1, 2, 4, 5
ANNOUNCEMENT_THREAD, PUBLIC_THREAD = 10, 11
THREADS = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD)


def permission_value(spec: PermissionSpec) -> int:
    """An int from an int, a discord.Permissions, a flag name or several names ("send_messages")."""
    if spec is None:
        return 0
    if isinstance(spec, discord.Permissions):
        return spec.value
    if isinstance(spec, int):
        return spec
    names = [spec] if isinstance(spec, str) else list(spec)
    unknown = [name for name in names if name not in discord.Permissions.VALID_FLAGS]
    if unknown:
        raise ValueError(f"unknown permission name(s): {', '.join(unknown)}")
    return discord.Permissions(**dict.fromkeys(names, True)).value


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True  # False: Discord answers 50007 to a DM, as when a member closes DMs


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    mentionable: bool = False
    color: int = 0
    hoist: bool = False
    bot_id: int | None = None  # set on the bot's managed role (discord.py reads it as tags.bot_id)

    @property
    def rank(self) -> tuple[bool, int, int]:
        """Discord's hierarchy order: @everyone lowest, then by position; at equal positions the
        older role (the lower id) ranks higher, as discord.py's `Role.__lt__` also assumes."""
        return (self.id != self.guild_id, self.position, -self.id)


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class Channel:
    id: int
    type: int
    name: str = ""
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipient: User | None = None  # for DM channels
    deleted: bool = False  # True: every route answers 404 / 10003 Unknown Channel

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    def set_permissions(
        self, target: Role | Member, *, allow: PermissionSpec = None, deny: PermissionSpec = None
    ) -> None:
        """A permission overwrite for a role or a member in this channel (replaces the old one)."""
        kind, target_id = (0, target.id) if isinstance(target, Role) else (1, target.user.id)
        self.overwrites[target_id] = Overwrite(
            target_id, kind, permission_value(allow), permission_value(deny)
        )


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> int:
        return self.user.id

    def top_role(self) -> Role:
        return max([self.guild.everyone, *self.roles], key=lambda role: role.rank)

    def permissions(self, channel: Channel | None = None) -> int:
        """Discord's permission computation for this member, in `channel` when given."""
        guild = self.guild
        if self.user.id == guild.owner_id:
            return ALL_PERMISSIONS
        base = guild.everyone.permissions
        for role in self.roles:
            base |= role.permissions
        if base & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is None or channel.guild_id != guild.id:
            return base
        if channel.type in THREADS and channel.parent_id in guild.channels:
            channel = guild.channels[channel.parent_id]  # a thread has its channel's overwrites
        perms = base
        everyone = channel.overwrites.get(guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in self.roles:
            overwrite = channel.overwrites.get(role.id)
            if overwrite and overwrite.type == 0:
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        own = channel.overwrites.get(self.user.id)
        if own and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        if not perms & VIEW_CHANNEL:
            return 0
        if channel.type in (TEXT, ANNOUNCEMENT) and not perms & SEND_MESSAGES:
            perms &= ~_NEEDS_SEND
        return perms

    def has(self, names: PermissionSpec, channel: Channel | None = None) -> bool:
        wanted = permission_value(names)
        return self.permissions(channel) & wanted == wanted


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    world: World = field(repr=False)
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    bot_role: Role | None = None
    #: Where Discord posts join messages (and bots post their welcome); None: no such channel.
    system_channel_id: int | None = None

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def me(self) -> Member:
        """The bot's own member."""
        return self.members[self.world.bot.id]

    def add_role(
        self,
        name: str,
        *,
        permissions: PermissionSpec = None,
        position: int | None = None,
        mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        """A role; by default just above the others but below the bot's role (position 50)."""
        if position is None:
            below_bot = [r.position for r in self.roles.values() if r.position < BOT_ROLE_POSITION]
            position = max(below_bot, default=0) + 1
        role = Role(
            self.world.ids.next(),
            self.id,
            name,
            permission_value(permissions),
            position,
            mentionable=mentionable,
            color=color,
        )
        self.roles[role.id] = role
        return role

    def _add_channel(self, kind: int, name: str, parent: Channel | None) -> Channel:
        channel = Channel(
            self.world.ids.next(),
            kind,
            name,
            guild_id=self.id,
            position=len(self.channels),
            parent_id=parent.id if parent else None,
        )
        self.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        return channel

    def add_text_channel(self, name: str, *, category: Channel | None = None) -> Channel:
        return self._add_channel(TEXT, name, category)

    def add_announcement_channel(self, name: str, *, category: Channel | None = None) -> Channel:
        return self._add_channel(ANNOUNCEMENT, name, category)

    def add_voice_channel(self, name: str, *, category: Channel | None = None) -> Channel:
        return self._add_channel(VOICE, name, category)

    def add_category(self, name: str) -> Channel:
        return self._add_channel(CATEGORY, name, None)

    def add_member(
        self,
        name: str,
        *,
        roles: Iterable[Role] = (),
        permissions: PermissionSpec = None,
        nick: str | None = None,
        bot: bool = False,
    ) -> Member:
        """A member; `permissions` gives them a role of their own carrying those permissions."""
        user = self.world.add_user(name, bot=bot)
        return self.add_existing_user(user, roles=roles, permissions=permissions, nick=nick)

    def add_existing_user(
        self,
        user: User,
        *,
        roles: Iterable[Role] = (),
        permissions: PermissionSpec = None,
        nick: str | None = None,
    ) -> Member:
        member = Member(user, self, list(roles), nick=nick)
        if permissions is not None:
            member.roles.append(self.add_role(f"{user.name}-permissions", permissions=permissions))
        self.members[user.id] = member
        return member

    def member(self, user_id: int) -> Member | None:
        return self.members.get(user_id)

    def add_bot_back(self) -> Member:
        """The bot invited again after a removal: a member once more, with its managed role."""
        assert self.bot_role is not None
        member = Member(self.world.bot, self, [self.bot_role])
        self.members[self.world.bot.id] = member
        return member

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r} in guild {self.name!r}")

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r} in guild {self.name!r}")

    def set_bot_permissions(self, permissions: PermissionSpec) -> None:
        """Replace the permissions of the bot's managed role."""
        assert self.bot_role is not None
        self.bot_role.permissions = permission_value(permissions)


DEFAULT_BOT_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "attach_files",
    "read_message_history",
    "manage_roles",
    "use_application_commands",
)


class World:
    """Everything the emulator serves; ids are time-based snowflakes from one factory."""

    def __init__(self, *, bot_name: str = "Study Companion", token: str | None = None) -> None:
        self.ids = SnowflakeFactory()
        self.application_id = self.ids.next()
        # Discord's bot user id equals the application id.
        self.bot = User(self.application_id, bot_name, bot=True)
        self.owner = User(self.ids.next(), "app-owner")
        self.token = token or f"emu.{secrets.token_urlsafe(24)}"
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}  # guild channels and DMs alike
        self.privileged_intents = discord.Intents.none()  # what the developer portal allows

    def add_user(self, name: str, *, bot: bool = False) -> User:
        user = User(self.ids.next(), name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: PermissionSpec = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: PermissionSpec = (
            "view_channel",
            "send_messages",
            "read_message_history",
            "use_application_commands",
        ),
    ) -> Guild:
        """A guild with @everyone, the bot as a member with its managed role, and its owner."""
        guild_id = self.ids.next()
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(guild_id, name, owner.id, self)
        guild.roles[guild_id] = Role(
            guild_id, guild_id, "@everyone", permission_value(everyone_permissions), 0
        )
        bot_role = Role(
            self.ids.next(),
            guild_id,
            self.bot.name,
            permission_value(bot_permissions),
            BOT_ROLE_POSITION,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role = bot_role
        guild.members[self.bot.id] = Member(self.bot, guild, [bot_role])
        if owner.id not in guild.members:
            guild.members[owner.id] = Member(owner, guild)
        self.users.setdefault(owner.id, owner)
        self.guilds[guild_id] = guild
        return guild

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with `user`, opened on first use (POST /users/@me/channels)."""
        for channel in self.channels.values():
            if channel.is_dm and channel.recipient is user:
                return channel
        channel = Channel(self.ids.next(), DM, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def guild_named(self, name: str) -> Guild:
        for guild in self.guilds.values():
            if guild.name == name:
                return guild
        raise KeyError(f"no guild named {name!r}")


@dataclass
class StandardWorld:
    """A ready-made world for most end-to-end tests, with names for everything in it."""

    world: World
    guild: Guild
    general: Channel
    announcements: Channel
    lounge: Channel
    moderator_role: Role
    member_role: Role
    alice: Member
    bob: Member
    mod: Member


def standard_world(*, token: str | None = None) -> StandardWorld:
    """One guild: #general, #announcements (announcement), Lounge (voice), Moderator and Member
    roles, members alice and bob (Member) and mod (Moderator, Manage Server)."""
    world = World(token=token)
    guild = world.add_guild("Study Hall")
    general = guild.add_text_channel("general")
    announcements = guild.add_announcement_channel("announcements")
    lounge = guild.add_voice_channel("Lounge")
    member_role = guild.add_role("Member")
    moderator_role = guild.add_role("Moderator", permissions=("manage_guild", "manage_messages"))
    alice = guild.add_member("alice", roles=[member_role])
    bob = guild.add_member("bob", roles=[member_role])
    mod = guild.add_member("mod", roles=[moderator_role])
    return StandardWorld(
        world, guild, general, announcements, lounge, moderator_role, member_role, alice, bob, mod
    )
