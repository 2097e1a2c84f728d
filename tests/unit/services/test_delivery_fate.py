"""The one rule for a claim found `sending`, shared by daily posts and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.delivery import MAX_ATTEMPTS, RESEND_WINDOW, unfinished_fate

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
