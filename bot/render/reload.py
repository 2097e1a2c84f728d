"""The answer to `/roadmap-owner reload`: the headline, then the changes or every error.

The lines go in a code block (file paths and messages quoting YAML read best unformatted).
When they do not all fit, the embed shows as many as fit and the whole report is attached.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.render import limits
from bot.render.code import defuse_fences
from bot.render.payload import DONE_COLOUR, Attachment, Embed, Message
from bot.services.content import ReloadOutcome

REFUSED_COLOUR = 0xCF222E
REPORT_FILENAME = "reload-report.txt"
_BLOCK = f"{limits.FENCE}text\n{{}}\n{limits.FENCE}"
# How a trigger names the member who asked ("/roadmap-owner reload by member=123").
_MEMBER_ID = re.compile(r"\bmember=([0-9]{1,20})\b")


def reload_report(outcome: ReloadOutcome, *, content_dir: Path | None = None) -> Message:
    """The reload's headline and details, within Discord's limits. Files are named as they sit
    in the content folder (`python.yaml`, not the server's path to it), and the member who
    asked by mention (shown as their name, never a ping from an embed), not by a raw id."""
    folders = _folder_prefixes(content_dir)
    lines = [defuse_fences(_readable(line, folders)) for line in outcome.lines()]
    title = "Content reloaded" if outcome.applied else "Content not reloaded"
    colour = DONE_COLOUR if outcome.applied else REFUSED_COLOUR
    headline = _readable(outcome.headline, folders)
    if not lines:
        return limits.fit_message(Message(embeds=(Embed(title, headline, colour=colour),)))

    room = limits.EMBED_DESCRIPTION_MAX - limits.measure(headline) - len(_BLOCK.format("")) - 2
    shown = limits.fit_lines(lines, room, lambda left: f"… and {left} more (see the attached file)")
    description = f"{headline}\n\n{_BLOCK.format(shown)}"
    files: tuple[Attachment, ...] = ()
    if shown != "\n".join(lines):
        every = [_readable(line, folders) for line in outcome.lines()]
        report = "\n".join((headline, "", *every)) + "\n"
        files = (Attachment(REPORT_FILENAME, report.encode("utf-8")),)
    embed = Embed(title, description, colour=colour)
    return limits.fit_message(Message(embeds=(embed,), files=files))


def _folder_prefixes(content_dir: Path | None) -> tuple[str, ...]:
    if content_dir is None:
        return ()
    # As configured (the reloader names files under it) and absolute (the loader's refusals).
    spellings = {str(content_dir), str(content_dir.absolute())}
    # Longest first, so that a path is cut at its own folder and not at a shorter spelling.
    return tuple(sorted(spellings, key=len, reverse=True))


def _readable(text: str, folders: tuple[str, ...]) -> str:
    text = _MEMBER_ID.sub(r"<@\1>", text)
    for folder in folders:
        text = text.replace(folder + os.sep, "").replace(folder, "the content folder")
    return text
