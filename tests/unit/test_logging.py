"""Log lines carry ANSI colours only on a terminal: a log file or a supervisor's pipe gets plain
text (discord.py's own choice colours any stream inside a container)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.cli.run import configure_logging


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def _logged(stream: io.StringIO) -> str:
    configure_logging("INFO", stream)
    logging.getLogger("bot.example").info("ready: %s", "Study Companion")
    return stream.getvalue()


def test_a_pipe_or_file_gets_plain_lines(root_logger, monkeypatch) -> None:
    monkeypatch.setenv("TERM_PROGRAM", "vscode")  # would not matter: it is not a terminal
    text = _logged(io.StringIO())
    assert "\x1b[" not in text
    assert text.endswith("] [INFO    ] bot.example: ready: Study Companion\n")


def test_a_terminal_gets_colours_unless_no_color(root_logger, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in _logged(Terminal())
    root_logger.handlers.clear()
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in _logged(Terminal())


def test_what_a_member_typed_cannot_forge_a_line_or_reach_the_terminal(root_logger) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    typed = "x\n[2026-01-01 00:00:00] [INFO    ] bot: forged\x1b[2J"
    logging.getLogger("bot.example").info("refused topic %s", typed)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "refused topic x\\n[2026-01-01 00:00:00] [INFO    ] bot: forged\\x1b[2J"
    )
