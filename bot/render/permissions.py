"""The Discord permissions the bot speaks of, by the names Discord shows, and the ones each
thing it does needs: one list, for the checks, the refusals and the invite URL alike."""

from __future__ import annotations

from collections.abc import Iterable

import discord

#: discord.py's attribute names -> the names Discord shows in a server's settings.
PERMISSION_LABELS = {
    "manage_guild": "Manage Server",
    "manage_roles": "Manage Roles",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "view_channel": "View Channel",
    "read_message_history": "Read Message History",
    "mention_everyone": "Mention @everyone, @here, and All Roles",
    "create_public_threads": "Create Public Threads",
}

#: What the bot needs in the daily post's channel (and so in any channel it answers in).
DAILY_POST_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "attach_files",
    "read_message_history",
)
#: A channel the bot only writes lines of text in: the moderators' log, stage celebrations.
TEXT_POST_PERMISSIONS = ("view_channel", "send_messages")
#: The weekly leaderboard post: an embed, and the channel's history read to find a post whose
#: send went unanswered (as the daily post's).
WEEKLY_POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history")
#: Only for the daily post's discussion thread (`daily set ... thread:True`).
THREAD_PERMISSIONS = ("create_public_threads",)
#: Only for stage reward roles.
REWARD_PERMISSIONS = ("manage_roles",)


def permission_label(name: str) -> str:
    return PERMISSION_LABELS.get(name, name.replace("_", " ").title())


def joined(words: Iterable[str]) -> str:
    """["A", "B", "C"] -> "A, B and C"."""
    items = list(words)
    if len(items) <= 1:
        return items[0] if items else ""
    return ", ".join(items[:-1]) + " and " + items[-1]


def permission_names(names: Iterable[str]) -> str:
    """`["manage_guild"]` -> "Manage Server" (several joined with "and")."""
    return joined(permission_label(name) for name in names) or "a permission"


def notify_role_problem(guild: discord.Guild, role: discord.Role | None) -> str | None:
    """Why members may not give themselves `role` with Notify me, None when they may: the role
    must exist, carry no permissions at all (so opting in grants nothing but the ping), and be
    one the bot can manage (Manage Roles, below the bot's highest role, not an integration's)."""
    if role is None:
        return "The role this post pings no longer exists."
    name = f"**@{role.name}**"
    if role.permissions.value != 0:
        return (
            f"{name} carries permissions, so members cannot give it to themselves; "
            "a moderator can give it, or ping a role without permissions."
        )
    me = guild.me
    if role.managed or me is None or not me.guild_permissions.manage_roles or role >= me.top_role:
        return (
            f"I cannot manage {name}: I need Manage Roles and a role above it "
            "(Server Settings → Roles)."
        )
    return None
