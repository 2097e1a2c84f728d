"""Making content text safe and well-formed in Discord markdown: no pings, sound links.

Content is written by moderators and shown to whole servers, so anything that looks like a
mention is defused here even though the validator refuses it and the client sends
`AllowedMentions.none()`: a zero-width space after `@` or `<@` keeps the text readable while
Discord no longer parses it as a mention.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"

_EVERYONE_OR_HERE = re.compile(r"@(everyone|here)", re.IGNORECASE)
# User (<@1>, <@!1>) and role (<@&1>) mentions; channel links (<#1>) never ping.
_USER_OR_ROLE = re.compile(r"<@([!&]?\d+>)")
_LINK_TEXT_SPECIAL = re.compile(r"([\[\]\\])")


def no_pings(text: str) -> str:
    """`text` with every @everyone, @here, user and role mention defused."""
    if "@" not in text:
        return text
    text = _EVERYONE_OR_HERE.sub(lambda match: "@" + ZERO_WIDTH_SPACE + match[1], text)
    return _USER_OR_ROLE.sub(lambda match: "<@" + ZERO_WIDTH_SPACE + match[1], text)


def one_line(text: str) -> str:
    """`text` on a single line (titles and list items must not break the layout)."""
    return " ".join(text.split())


def link(title: str, url: str) -> str:
    """A masked markdown link `[title](url)` that survives brackets in the title and
    parentheses or spaces in the URL."""
    label = _LINK_TEXT_SPECIAL.sub(r"\\\1", one_line(no_pings(title))) or url
    target = url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    target = target.replace("<", "%3C").replace(">", "%3E")
    return f"[{label}]({target})"


def role_mention(role_id: int) -> str:
    """The one mention the bot means to ping: the daily post's configured role."""
    return f"<@&{int(role_id)}>"
