"""Autocomplete search over ids and titles, built once per catalog (the content is immutable).

Ranking, best first: exact id or title; every query word starting an id part or title word;
the query inside the id or title. Within a rank, content order. Only when none of these match:
the query's letters in order (`flsk` finds `flask`), then close spellings (`djnago`).
The plain ranks use a sorted word list (bisect) and one scan of a joined text in C, so they cost
microseconds; results are also kept for the last few hundred queries, which autocomplete repeats.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

Item = TypeVar("Item")
_WORD = re.compile(r"[a-z0-9]+")
_CACHE_SIZE = 256
_CLOSE_ENOUGH = 0.7  # difflib ratio for a likely typo


class SearchIndex(Generic[Item]):
    """Ranked lookup of items by id and title, in content order within each rank."""

    def __init__(self, items: Iterable[tuple[Item, str, str]]) -> None:
        rows = [(item, item_id, title.casefold()) for item, item_id, title in items]
        self._items = tuple(item for item, _, _ in rows)
        self._exact: dict[str, list[int]] = {}
        word_rows: set[tuple[str, int]] = set()
        fields: list[str] = []
        for position, (_, item_id, title) in enumerate(rows):
            for text in dict.fromkeys((item_id, title)):
                self._exact.setdefault(text, []).append(position)
            word_rows.update((word, position) for word in _WORD.findall(f"{item_id} {title}"))
            fields.append(f"{item_id}\t{title}")
        ordered = sorted(word_rows)
        self._words = [word for word, _ in ordered]
        self._word_positions = [position for _, position in ordered]
        self._by_word: dict[str, list[int]] = {}
        for word, position in ordered:
            self._by_word.setdefault(word, []).append(position)
        # One text for every item: a needle (no tabs or newlines) never matches across fields.
        self._text = "\n".join(fields)
        self._starts: list[int] = []
        offset = 0
        for text in fields:
            self._starts.append(offset)
            offset += len(text) + 1
        self._cache: OrderedDict[tuple[str, int], tuple[int, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def search(self, query: str, limit: int = 25) -> list[Item]:
        needle = " ".join(query.casefold().split())
        if not needle:
            return list(self._items[:limit])
        key = (needle, limit)
        found = self._cache.get(key)
        if found is None:
            found = tuple(self._rank(needle, limit))
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return [self._items[position] for position in found]

    def _rank(self, needle: str, limit: int) -> list[int]:
        ranked = list(self._exact.get(needle, ()))
        query_words = _WORD.findall(needle)
        if query_words:
            common = self._starting_with(query_words[0])
            for word in query_words[1:]:
                common &= self._starting_with(word)
            ranked += sorted(common.difference(ranked))
        if len(ranked) < limit:
            ranked += self._containing(needle, set(ranked), limit - len(ranked))
        if not ranked:
            # Fuzzy only when nothing matched plainly: it would add noise to real matches.
            ranked = self._letters_in_order(needle)
            ranked += self._close_spellings(needle, set(ranked))
        return ranked[:limit]

    def _starting_with(self, prefix: str) -> set[int]:
        words, found = self._words, set()
        for index in range(bisect_left(words, prefix), len(words)):
            if not words[index].startswith(prefix):
                break
            found.add(self._word_positions[index])
        return found

    def _containing(self, needle: str, taken: set[int], wanted: int) -> list[int]:
        found: list[int] = []
        at = self._text.find(needle)
        while at != -1 and len(found) < wanted:
            position = bisect_right(self._starts, at) - 1
            if position not in taken:
                found.append(position)
            if position + 1 >= len(self._starts):
                break
            at = self._text.find(needle, self._starts[position + 1])
        return found

    def _letters_in_order(self, needle: str) -> list[int]:
        letters = [re.escape(char) for char in needle if not char.isspace()]
        pattern = re.compile("[^\t\n]*?".join(letters))
        found: dict[int, None] = {}
        for match in pattern.finditer(self._text):
            found[bisect_right(self._starts, match.start()) - 1] = None
        return list(found)

    def _close_spellings(self, needle: str, taken: set[int]) -> list[int]:
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(needle)
        best: dict[int, float] = {}
        # A typo is usually inside one word: compare with each distinct word (and whole fields
        # for a query of several words).
        candidates = list(self._by_word.items())
        if " " in needle:
            candidates += self._exact.items()
        for text, positions in candidates:
            matcher.set_seq1(text)
            if (
                matcher.real_quick_ratio() >= _CLOSE_ENOUGH
                and matcher.quick_ratio() >= _CLOSE_ENOUGH
                and (ratio := matcher.ratio()) >= _CLOSE_ENOUGH
            ):
                for position in positions:
                    if position not in taken and ratio > best.get(position, 0.0):
                        best[position] = ratio
        return sorted(best, key=lambda position: (-best[position], position))
