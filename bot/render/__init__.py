"""Pure rendering: roadmap content and plain values -> discord-independent message payloads.

Every payload leaves this package within Discord's limits (bot/render/limits.py is the one place
that knows them). The Discord layer turns a `Message` into discord.py objects; the CLI prints it.
"""
