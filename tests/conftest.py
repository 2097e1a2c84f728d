"""Project-wide pytest configuration: shared fixtures are registered here as plugins, and how
many parallel workers `-n auto` (pyproject's addopts) starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.emulator.pytest_plugin", "tests.postgres", "tests.sqlite_template"]

#: Modules whose tests run on one worker, in one go: their module-scoped fixture (the content
#: examples' run of every example) would otherwise run again on each worker that gets a test.
ONE_WORKER_MODULES = frozenset({"tests/content/test_examples.py"})

#: Workers for the whole suite: most of a test's time is waiting (emulator round
#: trips, bot processes, PostgreSQL), so twice the machine's 2 cores.
WORKERS = 4


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """WORKERS for the whole suite (no paths given, or the tests folder itself); 0 (in-process,
    as before xdist) for a targeted run, which would otherwise pay a collection and a PostgreSQL
    server per worker: pass `-n 4` to run a folder in parallel."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").strip()
    if chosen.isdigit():
        return int(chosen)
    tests = Path(__file__).resolve().parent
    named = {Path(arg.split("::", 1)[0]).resolve() for arg in config.args}
    return WORKERS if not named or named == {tests} else 0


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `--dist load` (pyproject): a test at a time to the next free worker, except that each
    module of ONE_WORKER_MODULES goes to one worker whole, and first (the largest unit). The
    controller sees only node ids, so `xdist_group` marks cannot do this here (loadgroup did not
    group them under pytest 9)."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return OneWorkerModules(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The content examples count in the workers (tests/content/conftest.py): add each worker's
    tally to the controller's, which shows it."""
    from tests.content import conftest as content

    counts = getattr(node, "workeroutput", {}).get("content_tally")
    if counts:
        content.tally(node.config).update(counts)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The controller of a whole-suite run never loads tests/content/conftest.py (the workers
    collect): show its tally line from here then."""
    from tests.content import conftest as content

    if not config.pluginmanager.is_registered(content):
        content.pytest_terminal_summary(terminalreporter, exitstatus, config)
