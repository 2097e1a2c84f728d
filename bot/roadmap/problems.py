"""Problems found in content files: where (file, line, column, document path) and what.

One shape for every check, so `python -m bot check`, the hot reload log and the tests all print
the same `file:line:col: path: message` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. `line`/`column` are 1-based; None when the problem concerns the whole file."""

    file: str
    line: int | None
    column: int | None
    path: str  # inside the document, like `stages[2].topics[1].id`; "" for the document itself
    message: str
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line or 0, self.column or 0)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"warning: {self.message}" if self.severity == "warning" else self.message
        return f"{where}: {self.path}: {text}" if self.path else f"{where}: {text}"


def join(path: str, key: str) -> str:
    """The document path of `key` inside the mapping at `path`."""
    return f"{path}.{key}" if path else key
