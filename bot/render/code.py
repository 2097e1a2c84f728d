"""Example code in a fenced, highlighted block, or as an attached file when it does not fit.

Inside a Discord code block a run of three backticks ends the block whatever the fence length
(longer fences and zero-width joiners do not help), so a zero-width space is put between the
second and third backtick of every such run: it displays the same and can no longer close it.
"""

from __future__ import annotations

import re

from bot.render.limits import FENCE, safe_filename
from bot.render.payload import Attachment
from bot.render.text import ZERO_WIDTH_SPACE

_BROKEN_FENCE = FENCE[:2] + ZERO_WIDTH_SPACE + FENCE[2]
_TAG_UNSAFE = re.compile(r"[^a-z0-9+#._-]")

# Highlighting names Discord (highlight.js) knows under another spelling.
_HIGHLIGHT_ALIASES = {"c#": "cs", "csharp": "cs", "c++": "cpp", "shell": "sh", "console": "sh"}
_EXTENSIONS = {
    "python": "py",
    "py": "py",
    "python3": "py",
    "pycon": "txt",
    "bash": "sh",
    "sh": "sh",
    "shell": "sh",
    "zsh": "sh",
    "console": "txt",
    "javascript": "js",
    "js": "js",
    "typescript": "ts",
    "ts": "ts",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "toml": "toml",
    "ini": "ini",
    "sql": "sql",
    "html": "html",
    "xml": "xml",
    "css": "css",
    "markdown": "md",
    "md": "md",
    "dockerfile": "dockerfile",
    "docker": "dockerfile",
    "go": "go",
    "rust": "rs",
    "rs": "rs",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
    "c++": "cpp",
    "cs": "cs",
    "c#": "cs",
    "csharp": "cs",
    "ruby": "rb",
    "rb": "rb",
    "text": "txt",
    "txt": "txt",
    "plaintext": "txt",
}


def highlight_tag(language: str) -> str:
    """The code-block language tag for `language` ("" when it is not a plain tag)."""
    tag = language.strip().lower()
    tag = _HIGHLIGHT_ALIASES.get(tag, tag)
    return "" if _TAG_UNSAFE.search(tag) else tag[:20]


def file_extension(language: str) -> str:
    """The filename extension for code in `language` (`txt` when unknown)."""
    return _EXTENSIONS.get(language.strip().lower(), "txt")


def defuse_fences(code: str) -> str:
    """`code` with no run of three backticks left (each broken by a zero-width space)."""
    while FENCE in code:
        code = code.replace(FENCE, _BROKEN_FENCE)
    return code


def code_block(code: str, language: str = "python") -> str:
    """`code` in a fenced block tagged for highlighting; the code cannot close the block."""
    body = defuse_fences(code.rstrip("\n")) or " "
    return f"{FENCE}{highlight_tag(language)}\n{body}\n{FENCE}"


def code_file(code: str, language: str, stem: str) -> Attachment:
    """`code` as a file named `<stem>.<extension for language>`, exactly as written."""
    text = code.rstrip("\n") + "\n"
    return Attachment(safe_filename(stem, file_extension(language)), text.encode("utf-8"))


def line_count(code: str) -> int:
    return len(code.rstrip("\n").splitlines()) or 1
