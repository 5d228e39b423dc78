"""Bulk writes on both backends: skipped duplicates, upserts with RETURNING, UPDATE row counts."""

from __future__ import annotations

from sqlalchemy import select, update

from workflows.bulk import insert_ignore, rowcount, upsert
from workflows.context import Context
from workflows.models import MailCheckpoint


def _checkpoint(folder: str, last_uid: int) -> dict[str, object]:
    return {"folder": folder, "uidvalidity": 7, "last_uid": last_uid}


async def test_insert_ignore_counts_only_new_rows(ctx: Context) -> None:
    async with ctx.db.transaction() as session:
        assert await insert_ignore(session, MailCheckpoint, [_checkpoint("INBOX", 1)], ["folder"]) == 1
        added = await insert_ignore(session, MailCheckpoint, [_checkpoint("INBOX", 9), _checkpoint("Sent", 2)],
                                    ["folder"])  # fmt: skip
        assert added == 1
        assert await insert_ignore(session, MailCheckpoint, [], ["folder"]) == 0
    async with ctx.db.sessions() as session:
        rows = (await session.execute(select(MailCheckpoint.folder, MailCheckpoint.last_uid))).all()
    assert sorted(tuple(r) for r in rows) == [("INBOX", 1), ("Sent", 2)]  # the duplicate did not overwrite


async def test_upsert_updates_existing_rows_and_returns_columns(ctx: Context) -> None:
    async with ctx.db.transaction() as session:
        await upsert(session, MailCheckpoint, [_checkpoint("INBOX", 1)], ["folder"], ["last_uid"])
        returned = await upsert(session, MailCheckpoint, [_checkpoint("INBOX", 5), _checkpoint("Sent", 3)],
                                ["folder"], ["last_uid"], returning=("folder", "last_uid"))  # fmt: skip
    assert sorted(returned) == [("INBOX", 5), ("Sent", 3)]
    async with ctx.db.sessions() as session:
        assert await session.scalar(select(MailCheckpoint.last_uid).where(MailCheckpoint.folder == "INBOX")) == 5


async def test_rowcount_is_the_number_of_rows_an_update_matched(ctx: Context) -> None:
    async with ctx.db.transaction() as session:
        await insert_ignore(session, MailCheckpoint, [_checkpoint(f"F{i}", i) for i in range(3)], ["folder"])
        moved = update(MailCheckpoint).values(uidvalidity=8)
        assert rowcount(await session.execute(moved.where(MailCheckpoint.last_uid >= 1))) == 2
        assert rowcount(await session.execute(moved.where(MailCheckpoint.folder == "none"))) == 0
