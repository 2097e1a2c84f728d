"""Discord glue: slash commands, autocomplete, buttons. A cog parses, calls a service, renders.

How a cog adds commands under the shared groups
-----------------------------------------------
`/roadmap` and `/roadmap-admin` are created once per bot (`bot.command_groups`, see groups.py)
and several cogs hang commands under them. A Discord name is either a subcommand or a
subcommand group, never both. In an extension module listed in `bot.app.EXTENSIONS`:

    class Reminders(SubcommandCog):  # groups.py; keeps `self.bot`, detaches on unload
        async def cog_load(self) -> None:
            # 1. subgroups first (a group under /roadmap or /roadmap-admin) ...
            self.bot.command_groups.add_subgroup(self, "roadmap", "remind", "Daily DM reminders")
            # 2. ... then every @subcommand method of this cog lands under its parent.
            await super().cog_load()
            # 3. background work, started after the commands are synced, stopped on close:
            self.bot.add_background("reminders", self.scheduler.start, self.scheduler.stop)

        @subcommand("roadmap remind set", "Get a daily DM with your next topic")
        @app_commands.describe(time="24-hour local time, e.g. 18:30")
        async def remind_set(self, interaction: discord.Interaction, time: str) -> None: ...

    async def setup(bot: StudyBot) -> None:
        await bot.add_cog(Reminders(bot))

A cog that is not a SubcommandCog calls `bot.command_groups.attach(self)` in cog_load and
`detach(self)` in cog_unload itself.

`@subcommand` takes the full name as members type it, so tests and the command-tree meta test
(tests/unit/test_command_tree.py) refer to commands the same way. Every attached command gets a
per-member cooldown (`cooldown=(uses, seconds)` to change it; `groups.MemberCooldown` makes
the same check for a command built by hand) and a server-only check; errors go
to the tree's handler (tree.py), so a command raises bot.errors.StudyError for bad input and
never catches it itself. Moderator commands add `@app_commands.checks.has_permissions(
manage_guild=True)`: `/roadmap-admin` sets Discord's default permissions too, but a server admin
can change those, so the bot checks again.

Persistent buttons are `discord.ui.DynamicItem` templates: register them from a cog with
`bot.add_persistent_items(MyButton)` (setup_hook adds them to the client after all cogs loaded).
A button made for one member mixes in `buttons.OwnedButton` (others are refused politely,
failures are answered like a command's).

Events for other features: `stage_completed` (context.StageCompleted: guild_id, user_id,
roadmap_id, stage), dispatched after a member's mark finishes a stage, from a command or a
button. Listen with `@commands.Cog.listener() async def on_stage_completed(self, event)`.
"""
