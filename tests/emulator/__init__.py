"""A Discord emulator for end-to-end tests: the real discord.py client against 127.0.0.1.

See README.md in this folder for how to write an end-to-end test.
"""

from tests.emulator.commands import CommandNotAvailable
from tests.emulator.interactions import InteractionResult
from tests.emulator.messages import StoredMessage
from tests.emulator.runner import point_discord_at, running_client
from tests.emulator.server import Emulator
from tests.emulator.world import (
    Channel,
    Guild,
    Member,
    Role,
    StandardWorld,
    User,
    World,
    standard_world,
)

__all__ = [
    "Channel",
    "CommandNotAvailable",
    "Emulator",
    "Guild",
    "InteractionResult",
    "Member",
    "Role",
    "StandardWorld",
    "StoredMessage",
    "User",
    "World",
    "point_discord_at",
    "running_client",
    "standard_world",
]
