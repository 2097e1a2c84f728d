"""Extension: every `/roadmap` command for members and the persistent buttons they use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.account import Account, ForgetButton
from bot.cogs.card import ProgressCard
from bot.cogs.check_yourself import CheckAnswerButton, CheckStartButton, DmCheckAnswerButton
from bot.cogs.progress_commands import Standings
from bot.cogs.study import Study
from bot.cogs.study_loop import PERSISTENT_ITEMS as REVIEW_BUTTONS
from bot.cogs.study_loop import StudyLoop
from bot.cogs.topic_card import TopicButton

if TYPE_CHECKING:
    from bot.app import StudyBot


async def setup(bot: StudyBot) -> None:
    # Order is the order members see in the command list and in /roadmap help.
    await bot.add_cog(Study(bot))
    await bot.add_cog(StudyLoop(bot))
    await bot.add_cog(Standings(bot))
    await bot.add_cog(ProgressCard(bot))
    await bot.add_cog(Account(bot))
    bot.add_persistent_items(
        TopicButton,
        ForgetButton,
        CheckStartButton,
        CheckAnswerButton,
        DmCheckAnswerButton,
        *REVIEW_BUTTONS,
    )
