"""Project-wide pytest configuration: shared fixtures are registered here as plugins."""

pytest_plugins = ["tests.emulator.pytest_plugin", "tests.postgres"]
