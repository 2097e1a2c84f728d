"""The leaderboard card: ranks with mentions (never pings), the caller's own rank."""

from __future__ import annotations

from datetime import date

from bot.records import Score
from bot.render import limits
from bot.render.leaderboard import leaderboard_card
from bot.services.leaderboard import Leaderboard, Period


def test_top_members_with_medals_shared_ranks_and_the_callers_rank() -> None:
    entries = (Score(1, 9, 1), Score(2, 7, 2), Score(3, 7, 2), Score(4, 1, 4))
    board = Leaderboard(Period.WEEK, date(2026, 3, 2), entries, Score(3, 7, 2), False)
    card = leaderboard_card(board, roadmap_title="Python backend", caller_id=3)
    embed = card.embed
    assert embed is not None and embed.title == "Leaderboard · this week"
    assert (embed.description or "").splitlines() == [
        "🥇 <@1> · 9 topics",
        "🥈 <@2> · 7 topics",
        "🥈 <@3> · 7 topics ← you",
        "`4.` <@4> · 1 topic",
    ]
    assert embed.fields == ()  # the caller's line says it: no "Your rank" besides
    assert embed.footer == "Python backend · since 2026-03-02 (server time)"
    assert card.content is None  # mentions only inside the embed, which never pings


def test_empty_board_hidden_caller_and_caller_without_topics() -> None:
    empty = Leaderboard(Period.MONTH, date(2026, 3, 1), (), None, False)
    card = leaderboard_card(empty, roadmap_title="R", caller_id=5)
    assert "Nobody has finished a topic this month" in (card.embed.description or "")
    assert "You have not finished a topic this month" in card.embed.fields[0].value
    hidden = Leaderboard(Period.ALL, None, (Score(1, 3, 1),), None, True)
    card = leaderboard_card(hidden, roadmap_title="R", caller_id=5)
    assert "You hide your progress" in card.embed.fields[0].value
    assert card.embed.title == "Leaderboard · all time" and card.embed.footer == "R"


def test_a_thousand_entries_fit_discord_limits() -> None:
    entries = tuple(Score(10**18 + n, 1000 - n, n + 1) for n in range(1000))
    board = Leaderboard(Period.ALL, None, entries, None, False)
    card = leaderboard_card(board, roadmap_title="R" * 3000, caller_id=1)
    assert limits.fits(card)
    assert (card.embed.description or "").endswith("more")


def test_a_caller_off_the_list_gets_their_rank_as_a_field() -> None:
    entries = tuple(Score(10**18 + n, 1000 - n, n + 1) for n in range(1000))
    caller = Score(5, 1, 2000)
    board = Leaderboard(Period.ALL, None, entries, caller, False)
    card = leaderboard_card(board, roadmap_title="R", caller_id=5)
    assert "← you" not in (card.embed.description or "")
    assert card.embed.fields[0].name == "Your rank"
    assert card.embed.fields[0].value == "#2000 with 1 topic"
