"""Autocomplete search over ids and titles, built once per catalog (the content is immutable).

Ranking, best first: exact id or title; every query word starting an id part or title word;
the query inside the id or title. Within a rank, content order. Only when none of these match:
the query's letters in order (`flsk` finds `flask`), then close spellings (`djnago`), which
cost more than the few microseconds of the plain ranks.
"""

from __future__ import annotations

import difflib
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

Item = TypeVar("Item")
_WORD = re.compile(r"[a-z0-9]+")
_CACHE_SIZE = 256  # autocomplete asks for the same few prefixes over and over


class _Entry(Generic[Item]):
    __slots__ = ("haystack", "id", "item", "title", "words")

    def __init__(self, item: Item, item_id: str, title: str) -> None:
        self.item = item
        self.id = item_id
        self.title = title.casefold()
        self.words = tuple(dict.fromkeys(_WORD.findall(f"{item_id} {self.title}")))
        self.haystack = f"{item_id}\n{self.title}"


class SearchIndex(Generic[Item]):
    """Ranked lookup of items by id and title, in content order within each rank."""

    def __init__(self, items: Iterable[tuple[Item, str, str]]) -> None:
        self._entries = tuple(_Entry(item, item_id, title) for item, item_id, title in items)
        self._cache: OrderedDict[tuple[str, int], list[Item]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 25) -> list[Item]:
        needle = " ".join(query.casefold().split())
        if not needle:
            return [entry.item for entry in self._entries[:limit]]
        key = (needle, limit)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._search(needle, limit)
            self._cache[key] = cached
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return list(cached)

    def _search(self, needle: str, limit: int) -> list[Item]:
        query_words = _WORD.findall(needle) or [needle]
        exact: list[_Entry[Item]] = []
        prefix: list[_Entry[Item]] = []
        inside: list[_Entry[Item]] = []
        for entry in self._entries:
            if needle in (entry.id, entry.title):
                exact.append(entry)
            elif all(any(w.startswith(q) for w in entry.words) for q in query_words):
                prefix.append(entry)
            elif needle in entry.haystack:
                inside.append(entry)
        found = exact + prefix + inside
        if not found:
            # Fuzzy only when nothing matched plainly: it would add noise to real matches.
            letters = needle.replace(" ", "")
            found = [e for e in self._entries if _in_order(letters, e.id)
                     or _in_order(needle, e.title)]
            found += self._close_spellings(needle, {id(e) for e in found})
        return [entry.item for entry in found[:limit]]

    def _close_spellings(self, needle: str, taken: set[int]) -> list[_Entry[Item]]:
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(needle)
        scored: list[tuple[float, int, _Entry[Item]]] = []
        for position, entry in enumerate(self._entries):
            if id(entry) in taken:
                continue
            best = 0.0
            # Compare with the id, the title and each word: a typo is usually in one word.
            for candidate in (entry.id, entry.title, *entry.words):
                matcher.set_seq1(candidate)
                if (
                    matcher.real_quick_ratio() > best
                    and matcher.quick_ratio() > best
                    and (ratio := matcher.ratio()) > best
                ):
                    best = ratio
            if best >= 0.7:
                scored.append((-best, position, entry))
        scored.sort(key=lambda row: row[:2])
        return [entry for _, _, entry in scored]


def _in_order(needle: str, text: str) -> bool:
    """True when the characters of `needle` appear in `text` in the same order."""
    position = 0
    for char in needle:
        position = text.find(char, position) + 1
        if position == 0:
            return False
    return True
