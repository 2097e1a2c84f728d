"""The examples test's tally, shown in pytest's own summary (visible with `-q`, no `-s` needed)."""

from __future__ import annotations

from collections import Counter

import pytest

TALLY = pytest.StashKey[Counter]()


def tally(config: pytest.Config) -> Counter:
    if TALLY not in config.stash:
        config.stash[TALLY] = Counter()
    return config.stash[TALLY]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker, hand the tally to the controller (tests/conftest.py adds it up)."""
    counts = session.config.stash.get(TALLY, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if counts and workeroutput is not None:
        workeroutput["content_tally"] = dict(counts)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    counts = config.stash.get(TALLY, None)
    if counts:
        terminalreporter.write_line(
            f"content examples: {counts['ran']} ran, {counts['compiled']} only compiled "
            f"(runs: false), {counts['checked']} non-Python checked for syntax, "
            f"{counts['shown']} non-Python shown as is"
        )
