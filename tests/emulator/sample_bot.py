"""A small discord.py bot that uses every route the emulator offers; its own tests drive it.

It is deliberately plain discord.py (no project code), so the emulator's tests prove the
emulator, not the Study Companion.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

TOPICS = ["asyncio", "classes", "decorators", "generators", "packaging", "testing", "typing"]


class DoneView(discord.ui.View):
    """A button that edits the message it is on."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Done", custom_id="sample:done", style=discord.ButtonStyle.success)
    async def done(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"Done by {interaction.user.name}", view=None
        )

    @discord.ui.button(label="Later", custom_id="sample:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()  # on a component: a deferred update (type 6)
        await interaction.edit_original_response(content="moved to later", view=None)


class PersistentView(discord.ui.View):
    """Registered in setup_hook, so it still answers after the bot restarts."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Count me", custom_id="sample:persistent")
    async def count(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message(
            f"counted {interaction.user.name} (boot {interaction.client.boot})", ephemeral=True
        )


class Feedback(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="What did you think?", custom_id="sample:feedback:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


study = app_commands.Group(name="study", description="Sample commands", guild_only=True)
admin = app_commands.Group(
    name="study-admin",
    description="Sample admin commands",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
)
daily = app_commands.Group(name="daily", description="Daily posts", parent=admin)


@study.command(description="Show a topic")
@app_commands.describe(name="Topic name", count="How many", public="Show everyone")
async def topic(
    interaction: discord.Interaction, name: str, count: int = 1, public: bool = False
) -> None:
    await interaction.response.send_message(f"topic {name} x{count}", ephemeral=not public)


@topic.autocomplete("name")
async def topic_names(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t.title(), value=t) for t in TOPICS if t.startswith(current)]


@study.command(description="A slow answer")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("slow answer ready")


@study.command(description="Answer after a pause")
async def late(interaction: discord.Interaction, seconds: float) -> None:
    await asyncio.sleep(seconds)
    try:
        await interaction.response.send_message("late answer")
    except discord.NotFound as exc:
        interaction.client.late_errors.append(exc.code)


@study.command(description="Answer, edit the answer, then follow up")
async def steps(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("step 1")
    await interaction.edit_original_response(content="step 1 done")
    extra = await interaction.followup.send("step 2", ephemeral=True, wait=True)
    await extra.edit(content="step 2 done")


@study.command(description="A message with a Done button")
async def task(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("press Done when done", view=DoneView())


@study.command(description="Post a persistent button in this channel")
async def persist(interaction: discord.Interaction) -> None:
    await interaction.channel.send("press to be counted", view=PersistentView())
    await interaction.response.send_message("posted", ephemeral=True)


@study.command(description="Post a file in this channel")
async def file(interaction: discord.Interaction) -> None:
    data = io.BytesIO(b"print('hello from the emulator')\n")
    await interaction.channel.send("here is the code", file=discord.File(data, "example.py"))
    await interaction.response.send_message("file posted", ephemeral=True)


@study.command(description="Post a message twice with the same nonce")
async def post(interaction: discord.Interaction, nonce: str | None = None) -> None:
    await interaction.response.defer(ephemeral=True)
    try:
        first = await interaction.channel.send("daily post", nonce=nonce)
        if nonce:
            second = await interaction.channel.send("daily post", nonce=nonce)
            same = "same" if first.id == second.id else "different"
            await interaction.followup.send(f"posted twice: {same} message")
            return
        await interaction.followup.send(f"posted {first.id}")
    except discord.HTTPException as exc:
        await interaction.followup.send(f"refused: {exc.status} {exc.code}")


@study.command(description="Try to post an embed that is too large")
async def big(interaction: discord.Interaction) -> None:
    embed = discord.Embed(title="big", description="x" * 4097)
    try:
        await interaction.channel.send(embed=embed)
    except discord.HTTPException as exc:
        await interaction.response.send_message(f"refused: {exc.status} {exc.code}", ephemeral=True)
        return
    await interaction.response.send_message("posted", ephemeral=True)


@study.command(description="Send me a DM")
async def dm(interaction: discord.Interaction) -> None:
    try:
        await interaction.user.send("a private hello")
    except discord.Forbidden as exc:
        await interaction.response.send_message(f"cannot DM you: {exc.code}", ephemeral=True)
        return
    await interaction.response.send_message("check your DMs", ephemeral=True)


@study.command(description="Open a feedback form")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())


@admin.command(description="Give a member a role")
async def give(
    interaction: discord.Interaction, member: discord.Member, role: discord.Role
) -> None:
    try:
        await member.add_roles(role)
    except discord.Forbidden as exc:
        await interaction.response.send_message(f"cannot: {exc.code}", ephemeral=True)
        return
    await interaction.response.send_message(f"gave {role.name} to {member.name}", ephemeral=True)


@daily.command(name="set", description="Where the daily post goes")
async def daily_set(
    interaction: discord.Interaction, channel: discord.TextChannel, ping: discord.Role | None = None
) -> None:
    me = interaction.guild.me
    perms = channel.permissions_for(me)
    missing = [name for name in ("send_messages", "embed_links") if not getattr(perms, name)]
    if missing:
        await interaction.response.send_message(
            f"missing in {channel.mention}: {missing}", ephemeral=True
        )
        return
    above = ping is not None and ping >= me.top_role
    await interaction.response.send_message(
        f"daily in {channel.name}"
        + (f", ping {ping.name}" if ping else "")
        + (" (role above mine)" if above else ""),
        ephemeral=True,
    )


class SampleBot(commands.Bot):
    def __init__(
        self,
        *,
        boot: int = 1,
        sync_guild_id: int | None = None,
        intents: discord.Intents | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.boot = boot
        self.late_errors: list[int] = []
        self.sync_guild_id = sync_guild_id

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; a test has no other bot to wait for."""

    async def setup_hook(self) -> None:
        self.tree.add_command(study)
        self.tree.add_command(admin)
        self.add_view(PersistentView())
        if self.sync_guild_id is not None:
            guild = discord.Object(self.sync_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()


def main() -> None:
    """Run as a real process against an emulator: `python -m tests.emulator.sample_bot` with
    DISCORD_TOKEN, DISCORD_API_BASE and DISCORD_GATEWAY_URL set, as the Study Companion runs."""
    import os

    from tests.emulator.runner import point_discord_at

    with point_discord_at(os.environ["DISCORD_API_BASE"], os.environ["DISCORD_GATEWAY_URL"]):
        SampleBot(boot=int(os.environ.get("SAMPLE_BOOT", "1"))).run(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    main()
