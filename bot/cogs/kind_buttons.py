"""Buttons whose custom_id is one kind of bot/render/custom_ids.py: what every such DynamicItem
shares, once (its template, reading the pressed id, who may press it, answering the press).

A subclass names its kind in the class statement (`class X(KindButton[Spec], kind=Spec)`),
which registers the kind's TEMPLATE with discord.py. An id that matches the template but is
not canonical reads as no spec (None): an owned button then belongs to nobody (refused), any
other button's press answers that it is outdated.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import discord

from bot.cogs.buttons import OwnedButton
from bot.cogs.tree import handle_press

# Only subclasses naming a kind are registered: this one matches no id.
_NO_ID = re.compile(r"(?!)")


class Spec(Protocol):
    """A kind's value: what a button carries in its custom_id."""

    @property
    def custom_id(self) -> str: ...


class OwnedSpec(Spec, Protocol):
    """A kind's value that names the member the button is for."""

    @property
    def owner_id(self) -> int: ...


SpecT = TypeVar("SpecT", bound=Spec)
OwnedSpecT = TypeVar("OwnedSpecT", bound=OwnedSpec)


class KindButton(discord.ui.DynamicItem[discord.ui.Button[Any]], Generic[SpecT], template=_NO_ID):
    """A persistent button carrying `spec` (None: the pressed id was not canonical), pressed by
    anyone; `press` runs with its failures answered like a command's."""

    kind: ClassVar[Any]  # the custom_ids kind: TEMPLATE, from_match
    default_label: ClassVar[str] = "Answer"
    default_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init_subclass__(cls, *, kind: Any = None, **kwargs: Any) -> None:
        if kind is not None:
            cls.kind = kind
        template = cls.kind.TEMPLATE if kind is not None else _NO_ID
        super().__init_subclass__(template=template, **kwargs)

    def __init__(
        self,
        spec: SpecT | None,
        label: str | None = None,
        *,
        style: discord.ButtonStyle | None = None,
        custom_id: str | None = None,
    ) -> None:
        """`custom_id`: the id carried when it is not `spec`'s own (a press of an id that is
        not canonical, or a DM's button that carries the server)."""
        shown = custom_id or (spec.custom_id if spec is not None else "")
        super().__init__(
            discord.ui.Button(
                label=label or self.label_for(spec),
                style=style or self.style_for(spec),
                custom_id=shown,
            )
        )
        self.spec = spec

    def label_for(self, spec: SpecT | None) -> str:
        return self.default_label

    def style_for(self, spec: SpecT | None) -> discord.ButtonStyle:
        return self.default_style

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls.pressed(cls.kind.from_match(match), interaction, match.group(0))

    @classmethod
    def pressed(cls, spec: Any, interaction: discord.Interaction, custom_id: str) -> Self:
        """The button `custom_id` stands for when pressed (`spec`: the kind read from it)."""
        return cls(spec, custom_id=custom_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_press(interaction, self.press)

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class OwnedKindButton(OwnedButton, KindButton[OwnedSpecT]):
    """A KindButton for the member its spec names: anyone else is refused (OwnedButton)."""

    # OwnedButton's other subclasses set owner_id; here the spec names it (0: nobody).
    @property
    def owner_id(self) -> int:  # type: ignore[override]
        return self.spec.owner_id if self.spec is not None else 0


class DmKindButton(OwnedKindButton[OwnedSpecT]):
    """Mixin for the DM twin of an owned button (`class DmX(DmKindButton[S], XButton, kind=DmS)`):
    the id names the server where the member's names the member, and the presser is the
    member. The press runs on the member's own spec, in `dm_guild_id`'s server; pressed
    anywhere but in a DM, the button belongs to nobody."""

    #: The server a press in a reminder DM acts in (None: the interaction's server).
    dm_guild_id: int | None = None

    def __init__(
        self,
        spec: Any,  # the kind's DM value (custom_ids._InDm), or None
        owner_id: int,
        label: str | None = None,
        *,
        style: discord.ButtonStyle | None = None,
        custom_id: str | None = None,
    ) -> None:
        member = spec.for_member(owner_id) if spec is not None else None
        carried = custom_id or (spec.custom_id if spec is not None else None)
        super().__init__(member, label, style=style, custom_id=carried)
        self.dm_guild_id = spec.guild_id if spec is not None else None

    @classmethod
    def pressed(cls, spec: Any, interaction: discord.Interaction, custom_id: str) -> Self:
        owner_id = interaction.user.id if interaction.guild_id is None else 0
        return cls(spec, owner_id, custom_id=custom_id)
