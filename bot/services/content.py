"""The content the bot is serving right now: one holder whose catalog is swapped in one step.

Everything that needs roadmaps reads `holder.catalog` at the moment it needs it (never keeps
its own reference across awaits), so a reload replaces the content for every reader at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.roadmap.catalog import Catalog


class ContentHolder:
    """Holds the current Catalog; `replace` swaps it atomically (a single attribute store)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def replace(self, catalog: Catalog) -> Catalog:
        """Serve `catalog` from now on; returns the one it replaced."""
        previous, self._catalog = self._catalog, catalog
        return previous
