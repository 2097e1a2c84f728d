"""`python -m bot check [DIR]`: validate roadmap content and say, line by line, what is wrong.

Prints every problem as `file:line:col: path: message`, then one summary line. Exit 0 when the
content is valid (warnings allowed), 1 on any error, 2 when DIR is missing or unreadable.
"""

from __future__ import annotations

from pathlib import Path

from bot.render.audit import audit_problems
from bot.roadmap.loader import ContentDirectoryError, LoadResult, load_directory, plural
from bot.roadmap.problems import Problem


def summary_line(result: LoadResult, problems: list[Problem]) -> str:
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    if errors:
        verdict = plural(errors, "error")
        if warnings:
            verdict += ", " + plural(warnings, "warning")
    else:
        verdict = "OK" + (f" ({plural(warnings, 'warning')})" if warnings else "")
    return f"{result.counts_text()}: {verdict}"


def run_check(directory: Path) -> int:
    try:
        result = load_directory(directory)
    except ContentDirectoryError as exc:
        print(f"error: {exc}")
        return 2
    problems = result.problems + audit_problems(result)
    problems.sort(key=Problem.sort_key)
    for problem in problems:
        print(problem)
    print(summary_line(result, problems))
    return 1 if any(problem.is_error for problem in problems) else 0
