"""A reload refuses content that is valid YAML but would not fit Discord's messages."""

from pathlib import Path

from bot.render.audit import accept_for_discord
from bot.roadmap.loader import load_directory
from bot.services.content import ContentHolder, ContentReloader
from bot.store.database import Database

SHIPPED = Path(__file__).resolve().parents[3] / "content" / "python-backend.yaml"


async def test_oversized_title_is_refused_and_old_content_kept(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "python-backend.yaml").write_text(SHIPPED.read_text(encoding="utf-8"))
    first = load_directory(content)
    assert first.catalog is not None
    holder = ContentHolder(first.catalog)

    text = SHIPPED.read_text(encoding="utf-8")
    old_title = first.catalog.roadmaps[0].topics[0].title
    (content / "python-backend.yaml").write_text(
        text.replace(f"title: {old_title}", "title: " + "A" * 300, 1), encoding="utf-8"
    )
    assert load_directory(content).catalog is not None  # the loader alone accepts it ...
    async with await Database.open(tmp_path / "db.sqlite3") as database:
        reloader = ContentReloader(holder, content, database, accept=accept_for_discord)
        audited = await reloader.reload("test")
    assert not audited.applied  # ... the size audit does not
    assert holder.catalog.roadmaps[0].topics[0].title == old_title
    assert any("256" in str(problem) for problem in audited.errors), audited.errors
    assert all(str(problem).startswith(str(content)) for problem in audited.errors)
