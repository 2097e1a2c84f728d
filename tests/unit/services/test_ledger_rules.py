"""The ledger's pure rules, shared by every kind of scheduled send: what becomes of a claim
found `sending`, and the deterministic nonce of a send."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.records import DAILY, REMINDER, WEEKLY
from bot.services.ledger import MAX_ATTEMPTS, RESEND_WINDOW, delivery_nonce, unfinished_fate
from bot.store.ledger import DeliveryKey

DUE = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
GRACE = timedelta(hours=2)


@pytest.mark.parametrize(
    ("late", "fate"),
    [(timedelta(0), "resend"), (GRACE, "resend"), (GRACE + timedelta(seconds=1), "missed")],
)
def test_a_claim_never_attempted_goes_out_within_the_grace_else_is_missed(late, fate) -> None:
    assert (
        unfinished_fate(attempts=0, due=DUE, first_attempt_at=None, now=DUE + late, grace=GRACE)
        == fate
    )


@pytest.mark.parametrize(
    ("since_first", "attempts", "fate"),
    [
        (timedelta(minutes=1), 1, "resend"),  # Discord still knows the nonce
        (RESEND_WINDOW, 1, "doubtful"),  # it may have forgotten it: never resend blindly
        (timedelta(minutes=1), MAX_ATTEMPTS, "doubtful"),  # retried enough
        (timedelta(minutes=1), MAX_ATTEMPTS - 1, "resend"),
    ],
)
def test_an_attempted_claim_is_resent_only_while_its_nonce_protects_it(
    since_first, attempts, fate
) -> None:
    first = DUE + timedelta(minutes=30)
    assert (
        unfinished_fate(
            attempts=attempts, due=DUE, first_attempt_at=first, now=first + since_first, grace=GRACE
        )
        == fate
    )


def test_nonces_are_deterministic_short_distinct_and_start_with_the_kinds_letter() -> None:
    big = 2**64 - 1
    day = date(2026, 11, 23)

    def nonce(kind: str, guild_id: int, subject_id: int, period: str = "2026-11-23") -> str:
        return delivery_nonce(DeliveryKey(kind, guild_id, subject_id, period))

    assert nonce(DAILY, big, big) == nonce(DAILY, big, big)
    assert nonce(DAILY, big, big) != nonce(DAILY, big, big, (day + timedelta(days=1)).isoformat())
    assert nonce(DAILY, 1, 1) != nonce(DAILY, 2, 2)
    reminders = {nonce(REMINDER, big, big - user) for user in range(1000)}
    assert len(reminders) == 1000
    every = [*reminders, nonce(DAILY, big, big), nonce(WEEKLY, big, big, "2026-W48")]
    assert all(len(n) == 20 for n in every)  # Discord allows 25
    # Two kinds to one channel on one day never share a nonce: the first letter differs.
    assert [nonce(kind, 5, 5)[0] for kind in (DAILY, REMINDER, WEEKLY)] == ["d", "r", "w"]
