"""`python -m bot check [DIR]`: validate roadmap content and say, line by line, what is wrong.

Prints every problem as `file:line:col: path: message`, then one summary line. Exit 0 when the
content is valid (warnings allowed), 1 on any error, 2 when DIR is missing or unreadable. The
verdict is the bot's own (bot.render.audit.accept_for_discord): what check accepts, the bot serves.
"""

from __future__ import annotations

from pathlib import Path

from bot.render.audit import accept_for_discord
from bot.roadmap.loader import ContentDirectoryError


def run_check(directory: Path) -> int:
    try:
        accepted = accept_for_discord(directory)
    except ContentDirectoryError as exc:
        print(f"error: {exc}")
        return 2
    for problem in accepted.problems:
        print(problem)
    print(accepted.summary_line())
    return 0 if accepted.accepted else 1
