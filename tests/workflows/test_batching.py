"""Group loading: concurrent requests share round trips, each gets its own result, failures reach every waiter;
and the batched store reads give each chat exactly what the one-at-a-time reads give it (never another's)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from tests.workflows.conftest import BOB_ID, Register
from workflows.batching import Coalescer
from workflows.chats import ChatSnapshots, chat_snapshot, set_blocked, touch_chat
from workflows.context import Context
from workflows.importers import import_rows
from workflows.models import ChatLink, ConversationState, Question, TelegramChat
from workflows.questions import AskedQuestion, QuestionLog
from workflows.recommenders import add_recommender
from workflows.status import StatusReports, status_report


class Recorder:
    """A batch function that records its batches; it fails for requests < 0."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, requests: list[int]) -> list[int]:
        self.batches.append(requests)
        await asyncio.sleep(0.01)  # a round trip: requests made meanwhile wait for the next batch
        if any(r < 0 for r in requests):
            raise ValueError("negative")
        return [r * 10 for r in requests]


async def test_concurrent_requests_share_round_trips_and_keep_their_own_results() -> None:
    recorder = Recorder()
    coalesce = Coalescer(recorder, max_batch=20)
    results = await asyncio.gather(*(coalesce(n) for n in range(50)))
    assert results == [n * 10 for n in range(50)]
    # All 50 were asked in one pass of the loop: three round trips of at most 20, in order.
    assert recorder.batches == [list(range(20)), list(range(20, 40)), list(range(40, 50))]


async def test_requests_made_during_a_round_trip_go_in_the_next_one() -> None:
    recorder = Recorder()
    coalesce = Coalescer(recorder)
    first = asyncio.ensure_future(coalesce(1))
    await asyncio.sleep(0.002)  # the first round trip is under way
    later = await asyncio.gather(coalesce(2), coalesce(3))
    assert await first == 10 and later == [20, 30]
    assert recorder.batches == [[1], [2, 3]]


async def test_a_failing_batch_fails_each_of_its_requests_and_the_next_batch_works() -> None:
    coalesce = Coalescer(Recorder())
    results = await asyncio.gather(coalesce(1), coalesce(-1), return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)  # 1 shared the batch that failed
    assert await coalesce(3) == 30


async def test_a_wrong_number_of_results_is_an_error_not_a_mix_up() -> None:
    async def short(requests: list[int]) -> list[int]:
        return requests[:-1]

    coalesce = Coalescer(short)
    results = await asyncio.gather(*(coalesce(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_a_cancelled_request_leaves_the_others_alone() -> None:
    coalesce = Coalescer(Recorder())
    tasks = [asyncio.create_task(coalesce(n)) for n in range(5)]
    await asyncio.sleep(0)
    tasks[2].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[2], asyncio.CancelledError)
    assert [done[i] for i in (0, 1, 3, 4)] == [0, 10, 30, 40]


async def _link(ctx: Context, user_id: int, registration_id: int, minutes: int) -> None:
    await touch_chat(ctx, user_id, user_id, "zh")
    async with ctx.db.transaction() as session:
        session.add(ChatLink(user_id=user_id, chat_id=user_id, registration_id=registration_id,
                             linked_at=ctx.clock.now() + timedelta(minutes=minutes)))  # fmt: skip


async def test_batched_snapshots_equal_the_single_reads(ctx: Context, register: Register) -> None:
    regs = [await register(f"MD{n:04d}") for n in range(1, 5)]
    bob = await register("MD0100", national_id=BOB_ID, email="bob@example.com")
    await _link(ctx, 101, regs[0], 0)
    await _link(ctx, 101, regs[1], 1)  # two registrations, oldest first
    await _link(ctx, 102, bob, 0)
    await touch_chat(ctx, 103, 103, "en")  # known, not linked
    await touch_chat(ctx, 104, 104, "zh")
    await set_blocked(ctx, 104, True)  # writing again unblocks
    async with ctx.db.transaction() as session:
        session.add(ConversationState(key="fsm:102", state="Serial:id", data={}, updated_at=ctx.clock.now()))
    requests = [(101, None), (102, "fsm:102"), (103, "fsm:103"), (104, None), (105, None), (102, None)]
    snapshots = ChatSnapshots(ctx)
    alone = await snapshots.get(101, 101, "en")  # a batch of one: the one-query form
    batched = await asyncio.gather(*(snapshots.get(c, c, "en", k) for c, k in [(101, None), *requests]))
    assert batched[0] == batched[1] == alone
    expected = [await chat_snapshot(ctx, c, c, "en", k) for c, k in requests]
    for got, want in zip(batched[1:], expected, strict=True):
        assert got.linked == want.linked and got.conversation_state == want.conversation_state
        assert (got.chat.chat_id, got.chat.language, got.chat.blocked) == (want.chat.chat_id, want.chat.language, False)
    by_chat = {s.chat.chat_id: s for s in batched[1:]}
    assert [r.registration_id for r in by_chat[101].linked] == regs[:2]
    assert [r.registration_id for r in by_chat[102].linked] == [bob]
    assert batched[2].conversation_state == "Serial:id" and batched[-1].conversation_state is None
    assert by_chat[103].linked == [] and by_chat[103].chat.language == "en"
    assert by_chat[105].chat.new and not by_chat[101].chat.new  # 105 was first seen by the batched read
    async with ctx.db.sessions() as session:
        assert await session.scalar(select(TelegramChat.blocked).where(TelegramChat.chat_id == 104)) is False


async def test_batched_status_reports_equal_the_single_reports(ctx: Context, register: Register) -> None:
    regs = [await register(f"MD{n:04d}", program="300" if n % 2 else "260") for n in range(1, 7)]
    await import_rows(ctx, "payments", [(2, {"virtual_account": "97931145130002", "amount": "1,300",
                                             "paid_at": "2026-01-02 09:30", "method": "ATM"})])  # fmt: skip
    await add_recommender(ctx, regs[0], name="陳老師", email="chen@example.com")
    reports = StatusReports(ctx)
    batched = await asyncio.gather(*(reports.get(r) for r in [*regs, regs[0], 999_999]))
    assert batched[-1] is None  # no such registration
    for got, registration_id in zip(batched[:-1], [*regs, regs[0]], strict=True):
        assert got == await status_report(ctx, registration_id)
    assert {r.serial for r in batched[:-1] if r} == {f"MD{n:04d}" for n in range(1, 7)}


async def test_batched_question_rows_get_their_own_ids(ctx: Context) -> None:
    log = QuestionLog(ctx)
    ids = await asyncio.gather(*(log.add(AskedQuestion("telegram", str(n), f"問題 {n} A123456789", "zh", "unsure",
                                                        None, None, 0.1)) for n in range(30)))  # fmt: skip
    assert len(set(ids)) == 30
    async with ctx.db.sessions() as session:
        rows = dict((await session.execute(select(Question.id, Question.asker).where(Question.id.in_(ids)))).all())
        texts = list(await session.scalars(select(Question.text).where(Question.id.in_(ids))))
    assert [rows[i] for i in ids] == [str(n) for n in range(30)]
    assert not any("A123456789" in t for t in texts)  # national IDs masked before storing
