"""Study Companion: a Discord bot that walks a study server through a learning roadmap."""

__version__ = "0.1.0"
