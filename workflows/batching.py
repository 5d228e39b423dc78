"""Group loading: the same request made by many concurrent tasks, answered by one store round trip.

Under load the bot handles many updates at once, and each would read its chat, or write its question row, in a
round trip of its own: a pool checkout, the statement and, with aiosqlite, several thread hand-offs apiece.
A `Coalescer` starts a round trip on the loop's next pass with every request made until then, and gathers the
requests that arrive while it is under way into the next one: nothing waits on purpose, and the cost per
request falls as the load rises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """Calls `run_batch` with the requests gathered so far (at most `max_batch`); it must return one result per
    request, in order. A failing batch fails each of its requests with the same error."""

    def __init__(self, run_batch: Callable[[list[T]], Awaitable[Sequence[R]]], max_batch: int = 100) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def __call__(self, request: T) -> R:
        """The result for `request`, from the next round trip."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                try:
                    results = await self._run_batch([request for request, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"batch of {len(batch)} answered with {len(results)} results")
                except Exception as error:  # every waiter gets the error, none is left hanging
                    _settle(batch, error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # a waiter cancelled meanwhile
                        future.set_result(result)
        except BaseException:  # cancelled (shutting down): so are the requests still waiting
            _settle(batch + self._pending, None)
            self._pending = []
            raise
        finally:
            self._flusher = None


def _settle(waiting: list[tuple[T, asyncio.Future[R]]], error: Exception | None) -> None:
    """Fail (or, without an error, cancel) the futures not yet done."""
    for _, future in waiting:
        if future.done():
            continue
        if error is None:
            future.cancel()
        else:
            future.set_exception(error)
