"""Single-value content rules: id format, URLs, mentions, and compiling Python examples.

Each returns what is wrong in words a content maintainer understands (None when all is well);
the validator decides where in the file that message points.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from bot.roadmap.problems import Severity

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID_LENGTH = 32
LANGUAGE_PATTERN = re.compile(r"[a-z0-9][a-z0-9+#._-]{0,19}")
LONG_SUMMARY = 600  # characters; longer reads poorly in a Discord embed
# Content is shown to whole servers: it may never look like (or be) a mention.
_SPACE = re.compile(r"\s")
# A scheme, then a host (urlsplit would do, at several times the cost per resource).
_HTTP_URL = re.compile(r"https?://[^/?#\s]")
MENTION_PATTERN = re.compile(r"@everyone|@here|<@[!&]?\d+>")


def id_problem(value: str) -> str | None:
    if len(value) > MAX_ID_LENGTH:
        return f"id '{value}' is {len(value)} characters; at most {MAX_ID_LENGTH} are allowed"
    if not ID_PATTERN.fullmatch(value):
        return (
            f"id '{value}' must be lowercase-kebab: a-z, 0-9 and single hyphens, "
            "like 'error-handling'"
        )
    return None


def url_problem(value: str) -> str | None:
    if not _HTTP_URL.match(value):
        return f"'{value}' is not an http(s) URL"
    if _SPACE.search(value):
        return f"URL '{value}' contains spaces; encode them as %20"
    return None


def mention_problem(value: str) -> str | None:
    found = MENTION_PATTERN.search(value)
    if found is None:
        return None
    return f"text must not mention anyone (found '{found.group()}')"


def language_problem(value: str) -> str | None:
    if LANGUAGE_PATTERN.fullmatch(value):
        return None
    return f"language '{value}' must be a code-block language name such as 'python' or 'bash'"


@dataclass(frozen=True, slots=True)
class CodeProblem:
    """A finding inside an example's code; `line`/`offset` are 1-based within the code."""

    line: int | None
    offset: int | None
    message: str
    severity: Severity = "error"


@lru_cache(maxsize=2048)  # a reload recompiles only the examples that changed
def python_problems(code: str) -> tuple[CodeProblem, ...]:
    """Compile `code` (never run it): the syntax error, or the warnings the compiler gives."""
    # Snippets may show a bare `await` as it would appear inside a coroutine.
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(code, "<example>", "exec", flags=flags, dont_inherit=True)
        except SyntaxError as exc:
            message = f"Python example does not compile: {exc.msg}"
            return (CodeProblem(exc.lineno, exc.offset, message),)
        except (ValueError, RecursionError, MemoryError) as exc:
            return (CodeProblem(None, None, f"Python example does not compile: {exc}"),)
    return tuple(
        CodeProblem(item.lineno, None, f"Python example: {item.message}", "warning")
        for item in caught
        if issubclass(item.category, (SyntaxWarning, DeprecationWarning))
    )
