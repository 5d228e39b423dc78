"""The one way every Telegram message leaves the bot: rate-limited, retried and classified.

Telegram allows about 1 message/s per chat and about 30/s overall, and answers 429 ``retry_after`` to
clients that go faster. :class:`TelegramSender` keeps under both limits, waits out a 429, retries
network and server errors with exponential backoff, and says what became of each message as a
:class:`SendResult`, so a caller (the outbox) can record it. It knows nothing about the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.pacing import SENDER_CALL
from bot.rate_limit import RateLimiter, local_limiter

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
SendStatus = Literal["sent", "blocked", "failed", "retry_later"]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Below this many tracked chats, pruning is not worth a pass over the table.
_MIN_PRUNE = 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SendResult:
    """What became of one message.

    ``sent``: delivered, ``message_id`` set. ``blocked``: the user blocked the bot (403), do not retry
    until they write again. ``failed``: Telegram refused the message itself (400 ...), retrying cannot
    help. ``retry_later``: still undelivered after the allowed retries, try again at ``retry_at``.
    """

    status: SendStatus
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    attempts: int = 1


@dataclass(frozen=True)
class OutgoingMessage:
    """One text message for :meth:`TelegramSender.send_many`; ``options`` go to ``Bot.send_message``."""

    chat_id: int | str
    text: str
    reply_markup: ReplyMarkup | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Gate:
    """One chat's state: a lock so its messages go one at a time, and when the next may leave."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = float("-inf")
    users: int = 0


class ChatTurn:
    """Exclusive use of one chat while a message (with its retries) goes out; see :meth:`ChatSpacing.turn`."""

    def __init__(self, gate: _Gate, interval: float, clock: Clock, sleep: Sleep) -> None:
        self._gate = gate
        self._interval = interval
        self._clock = clock
        self._sleep = sleep

    async def wait(self) -> None:
        """Sleep until the chat's next message may leave."""
        delay = self._gate.next_at - self._clock()
        if delay > 0:
            await self._sleep(delay)

    def mark(self) -> None:
        """A message leaves now: the next one waits ``interval``."""
        self.hold(self._interval)

    def hold(self, seconds: float) -> None:
        """Keep the chat quiet for ``seconds`` from now (after a 429 or an error); never shortens a wait."""
        self._gate.next_at = max(self._gate.next_at, self._clock() + seconds)


class ChatSpacing:
    """Keeps messages to one chat at least ``interval`` seconds apart, measured when they actually leave.

    A chat's messages go one at a time, in call order, so a message held up elsewhere (the global
    limiter, a retry) cannot bunch up with the next one. Chats with no message in progress and no wait
    pending are pruned, so the table holds only recently used chats.
    """

    def __init__(self, interval: float, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._gates: dict[Hashable, _Gate] = {}
        self._prune_at = _MIN_PRUNE

    @asynccontextmanager
    async def turn(self, chat_id: Hashable) -> AsyncIterator[ChatTurn]:
        """Wait for exclusive use of the chat; call ``wait()``, then ``mark()`` as the message leaves."""
        gate = self._gates.get(chat_id)
        if gate is None:
            self._prune()
            gate = self._gates[chat_id] = _Gate()
        gate.users += 1
        try:
            async with gate.lock:
                yield ChatTurn(gate, self._interval, self._clock, self._sleep)
        finally:
            gate.users -= 1

    def __len__(self) -> int:
        return len(self._gates)

    def _prune(self) -> None:
        if len(self._gates) < self._prune_at:
            return
        now = self._clock()
        self._gates = {chat: g for chat, g in self._gates.items() if g.users or g.next_at > now}
        self._prune_at = max(_MIN_PRUNE, 2 * len(self._gates))


class TelegramSender:
    """Sends text messages through ``bot`` within Telegram's limits and never raises for Telegram errors.

    ``global_rate`` messages/s overall, as an even stream with no burst (or what ``limiter`` allows: a
    limiter shared by several processes, see bot/rate_limit.py); ``per_chat_rate`` messages/s to
    one chat, whose messages go out one at a time in call order. A 429 is waited out (the chat is held for ``retry_after``) unless ``retry_after`` exceeds
    ``max_retry_after``; network and 5xx errors are retried after ``backoff``, doubling up to
    ``max_backoff``. After ``max_retries`` retries the result is ``retry_later``. ``clock`` and ``sleep``
    drive the per-chat spacing and backoff; ``now`` stamps ``retry_at``.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        limiter: RateLimiter | None = None,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        if global_rate <= 0 or per_chat_rate <= 0:
            raise ValueError("rates must be positive")
        self._bot = bot
        self._limiter = limiter or local_limiter(global_rate)
        self._spacing = ChatSpacing(1 / per_chat_rate, clock, sleep)
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after
        self._now = now

    @property
    def limiter(self) -> RateLimiter:
        """The global rate limiter, shared with direct replies (see bot/pacing.py)."""
        return self._limiter

    async def send(
        self, chat_id: int | str, text: str, reply_markup: ReplyMarkup | None = None, **kwargs: Any
    ) -> SendResult:
        """Send one text message and report what became of it.

        ``kwargs`` go to ``Bot.send_message`` (``parse_mode``, ``reply_parameters`` ...). A message that
        timed out on the network may have arrived all the same; a retry then shows it twice, which
        Telegram offers no way to prevent.
        """
        attempt = 0
        async with self._spacing.turn(chat_id) as turn:
            while True:
                attempt += 1
                await turn.wait()
                await self._limiter.acquire()
                turn.mark()
                marker = SENDER_CALL.set(True)  # paced here already: the session middleware lets it pass
                try:
                    message = await self._bot.send_message(
                        chat_id=chat_id, text=text, reply_markup=reply_markup, **kwargs
                    )
                except TelegramRetryAfter as error:
                    turn.hold(error.retry_after)
                    if attempt > self._max_retries or error.retry_after > self._max_retry_after:
                        return self._retry_later(error, error.retry_after, attempt)
                except TelegramForbiddenError as error:
                    return SendResult("blocked", error=error.message, attempts=attempt)
                except TelegramEntityTooLarge as error:
                    return SendResult("failed", error=error.message, attempts=attempt)
                except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as error:
                    delay = min(self._backoff * 2 ** (attempt - 1), self._max_backoff)
                    if attempt > self._max_retries:
                        return self._retry_later(error, delay, attempt)
                    turn.hold(delay)
                except TelegramAPIError as error:
                    return SendResult("failed", error=error.message, attempts=attempt)
                else:
                    return SendResult("sent", message_id=message.message_id, attempts=attempt)
                finally:
                    SENDER_CALL.reset(marker)

    async def send_many(
        self, messages: Iterable[OutgoingMessage], *, concurrency: int = 256
    ) -> list[SendResult]:
        """Send many messages concurrently, each still spaced and rate-limited; results in input order.

        ``concurrency`` bounds the sends in progress, not the rate: a send waiting for its chat's next
        slot holds one, so keep it well above the number of messages queued for any one chat.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        pending = iter(enumerate(messages))
        results: dict[int, SendResult] = {}

        async def worker() -> None:
            # Workers share one iterator: each takes the next message when it is free.
            for index, message in pending:
                results[index] = await self.send(
                    message.chat_id, message.text, message.reply_markup, **message.options
                )

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return [results[index] for index in range(len(results))]

    def _retry_later(self, error: Exception, delay: float, attempts: int) -> SendResult:
        return SendResult(
            "retry_later",
            error=getattr(error, "message", str(error)),
            retry_at=self._now() + timedelta(seconds=delay),
            attempts=attempts,
        )
