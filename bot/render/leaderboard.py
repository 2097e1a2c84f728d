"""The `/roadmap leaderboard` card: top members by topics done, and the caller's own rank
(marked on their line when listed, else in a "Your rank" field; never both).

Members are `<@id>` mentions in the embed: Discord shows their names and never pings from an
embed. Equal counts share a rank (the service computes ranks).
"""

from __future__ import annotations

from dataclasses import replace

from bot.render import limits
from bot.render.parts import capped_size
from bot.render.payload import NEUTRAL_COLOUR, Embed, Field, Message
from bot.render.text import no_pings, one_line
from bot.services.leaderboard import Leaderboard, Period

_YOU = " ← you"
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
_PERIOD_TITLES = {Period.ALL: "all time", Period.MONTH: "this month", Period.WEEK: "this week"}
_PERIOD_PHRASES = {Period.ALL: "yet", Period.MONTH: "this month", Period.WEEK: "this week"}


def _topics(count: int) -> str:
    return f"{count} topic" if count == 1 else f"{count} topics"


def _rank(rank: int) -> str:
    return _MEDALS.get(rank, f"`{rank}.`")


def leaderboard_card(board: Leaderboard, *, roadmap_title: str, caller_id: int) -> Message:
    """Top members of this server for `board.period`, and where the caller stands."""
    lines = [
        f"{_rank(entry.rank)} <@{entry.user_id}> · {_topics(entry.count)}"
        + (_YOU if entry.user_id == caller_id else "")
        for entry in board.entries
    ]
    phrase = _PERIOD_PHRASES[board.period]

    if board.caller_hidden:
        mine = "You hide your progress, so you are not listed. `/roadmap settings` changes that."
    elif board.caller is None:
        mine = f"You have not finished a topic {phrase}. Start with `/roadmap next`."
    else:
        mine = f"#{board.caller.rank} with {_topics(board.caller.count)}"

    since = f" · since {board.since.isoformat()} (server time)" if board.since else ""
    frame = Embed(
        title=f"Leaderboard · {_PERIOD_TITLES[board.period]}",
        fields=(Field("Your rank", mine),),
        footer=f"{one_line(no_pings(roadmap_title))}{since}",
        colour=NEUTRAL_COLOUR,
    )
    if not lines:
        description = f"Nobody has finished a topic {phrase}. Be the first: `/roadmap next`."
        return limits.fit_message(Message(embeds=(replace(frame, description=description),)))
    # The caller's line in the list says it already ("← you"): "Your rank" only when it is not
    # there (not listed, hidden, or cut off the end of a long list).
    bare = replace(frame, fields=())
    room = min(limits.EMBED_DESCRIPTION_MAX, limits.EMBED_TOTAL_MAX - capped_size(bare))
    description = limits.fit_lines(lines, room, lambda n: f"… and {n} more")
    if _YOU in description:
        return limits.fit_message(Message(embeds=(replace(bare, description=description),)))
    room = min(limits.EMBED_DESCRIPTION_MAX, limits.EMBED_TOTAL_MAX - capped_size(frame))
    description = limits.fit_lines(lines, room, lambda n: f"… and {n} more")
    return limits.fit_message(Message(embeds=(replace(frame, description=description),)))
