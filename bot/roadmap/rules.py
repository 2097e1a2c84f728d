"""Single-value content rules: id format, URLs, mentions, limits of the teaching keys, and
checking examples (Python compiled, TOML, JSON and YAML parsed, never run).

Each returns what is wrong in words a content maintainer understands (None when all is well);
the validator decides where in the file that message points.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import yaml

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

MAX_MINUTES = 600  # ten hours: a longer topic is two topics
ANSWER_MAX = 80  # Discord's button-label limit; answers become buttons
ANSWERS = (2, 5)  # least and most answers per question
QUESTIONS = (2, 4)  # least and most questions per check
RESOURCE_KINDS = ("docs", "tutorial", "video", "article", "book")
# Languages whose examples are shown as they are: nothing to check, nothing to warn about.
SHOWN_LANGUAGES = frozenset(
    (
        *("bash", "sh", "shell", "console", "zsh", "powershell", "dockerfile", "docker"),
        *("sql", "text", "txt", "plaintext", "ini", "cfg", "env", "dotenv", "html", "css"),
        *("javascript", "js", "typescript", "ts", "jinja", "django", "xml", "diff", "http"),
        *("nginx", "makefile", "csv", "graphql", "markdown", "md"),
    )
)
# A PyPI requirement as `requires:` lists it: a name, optional extras, an optional version.
_REQUIREMENT = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?"
    r"(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+(?:,(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)*)?"
)


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


def requirement_problem(value: str) -> str | None:
    if _REQUIREMENT.fullmatch(value):
        return None
    return f"'{value}' is not a package requirement like 'flask' or 'fastapi[standard]>=0.110'"


def minutes_problem(value: str) -> str | None:
    """`value` is an int scalar as written in YAML."""
    if value.isdigit() and 1 <= int(value) <= MAX_MINUTES:
        return None
    return f"minutes must be a whole number from 1 to {MAX_MINUTES}, not {value}"


def did_you_mean(value: str, allowed: Iterable[str], *, list_them: bool = True) -> str:
    """The hint after a value the checker does not know: the closest allowed one, else
    (`list_them`) every allowed one; "" when neither."""
    choices = list(allowed)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "allowed: " + ", ".join(choices) if list_them else ""


def kind_problem(value: str) -> str | None:
    if value in RESOURCE_KINDS:
        return None
    return f"unknown kind '{value}' ({did_you_mean(value, RESOURCE_KINDS)})"


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


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@lru_cache(maxsize=512)
def data_problems(language: str, code: str) -> tuple[CodeProblem, ...]:
    """Parse a TOML, JSON or YAML example (a file a learner will copy); () for other languages."""
    if language == "toml":
        try:
            tomllib.loads(code)
        except tomllib.TOMLDecodeError as exc:
            at = _TOML_AT.search(str(exc))
            text = _TOML_AT.sub("", str(exc)).strip()
            line, column = (int(at[1]), int(at[2])) if at else (None, None)
            return (CodeProblem(line, column, f"TOML example does not parse: {text}"),)
    elif language == "json":
        try:
            json.loads(code)
        except json.JSONDecodeError as exc:
            return (CodeProblem(exc.lineno, exc.colno, f"JSON example does not parse: {exc.msg}"),)
    elif language in ("yaml", "yml"):
        try:
            for _event in yaml.parse(code, Loader=yaml.SafeLoader):  # events only: no aliases
                pass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
            return (CodeProblem(line, column, f"YAML example does not parse: {exc.problem}"),)
        except yaml.YAMLError as exc:
            return (CodeProblem(None, None, f"YAML example does not parse: {exc}"),)
    return ()


def checked_language(language: str) -> bool:
    """Whether `check` has something to say about examples in `language` (else it warns)."""
    return language in ("python", "toml", "json", "yaml", "yml") or language in SHOWN_LANGUAGES
