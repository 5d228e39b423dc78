"""Telegram sender benchmark: broadcast throughput against the Bot API stand-in, as a share of the limit.

    python -m bench.bot_sender [--seconds 10] [--chats 300] [--high-rates 300,1000]

Each run sends a broadcast through TelegramSender and aiogram's ordinary HTTP session to the stand-in,
which enforces Telegram-style flood limits at the configured rate (1/s and a bucket of 3 per chat; a
bucket of 5 overall, which at 30/s is 1/6 s of slack) and counts the 429s it gives. First at the real
limits (30/s) for ``--seconds`` over ``--chats`` chats; then at each higher configured rate, one
message per chat for ``--seconds / 2``, against both the same 1/6 s of slack and a strict bucket of 5;
and, for contrast, the first broadcast sent naively with asyncio.gather and no limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from bench.common import peak_rss_mb
from bot.app import build_bot
from bot.sandbox import BotApiSandbox, FloodLimits
from bot.sender import OutgoingMessage, TelegramSender

TEXT = "招生公告：報名繳費截止日為 1 月 5 日。Admissions notice: the fee deadline is 5 January."


@dataclass(frozen=True)
class Run:
    """One broadcast's outcome."""

    label: str
    rate: float
    messages: int
    delivered: int
    seconds: float
    too_many_requests: int

    def line(self) -> str:
        throughput = self.delivered / self.seconds
        return (
            f"{self.label:<28} {self.rate:>7.0f}/s {self.messages:>6} msgs {self.seconds:>6.2f} s "
            f"{throughput:>8.1f}/s {throughput / self.rate:>6.1%} of limit  429s={self.too_many_requests}"
        )


def limits_for(rate: float, strict: bool) -> FloodLimits:
    """Telegram's limits at ``rate``: a bucket of 5 overall, or (not strict) the same 1/6 s of slack."""
    burst = 5.0 if strict else max(5.0, rate / 6)
    return FloodLimits(per_chat_rate=1.0, per_chat_burst=3, global_rate=rate, global_burst=burst)


async def broadcast(
    sandbox: BotApiSandbox, bot: Bot, label: str, rate: float, chats: int, count: int, strict: bool
) -> Run:
    """``count`` messages spread round-robin over ``chats`` chats through a sender limited to ``rate``."""
    sandbox.reset()
    sandbox.enforce(limits_for(rate, strict))
    ids = [sandbox.new_user_id() for _ in range(chats)]
    messages = [OutgoingMessage(ids[i % chats], TEXT) for i in range(count)]
    sender = TelegramSender(bot, global_rate=rate, per_chat_rate=1.0)
    started = time.perf_counter()
    results = await sender.send_many(messages, concurrency=max(64, chats))
    elapsed = time.perf_counter() - started
    delivered = sum(r.status == "sent" for r in results)
    return Run(label, rate, count, delivered, elapsed, sandbox.too_many_requests)


async def naive(sandbox: BotApiSandbox, bot: Bot, rate: float, chats: int) -> str:
    """The same broadcast with asyncio.gather and no limiter: what the stand-in's limits catch."""
    sandbox.reset()
    sandbox.enforce(limits_for(rate, strict=True))
    ids = [sandbox.new_user_id() for _ in range(chats)]
    outcomes = await asyncio.gather(*(bot.send_message(i, TEXT) for i in ids), return_exceptions=True)
    refused = sum(isinstance(o, TelegramRetryAfter) for o in outcomes)
    return f"{'naive gather, no limiter':<28} {rate:>7.0f}/s {chats:>6} msgs  {refused} refused with 429"


async def main(seconds: float, chats: int, high_rates: list[float]) -> None:
    async with BotApiSandbox() as sandbox:
        bot = build_bot(sandbox.token, sandbox.base_url)
        try:
            count = int(30 * seconds)
            runs = [await broadcast(sandbox, bot, "real limits, 1/s per chat", 30.0, chats, count, True)]
            for rate in high_rates:
                count = int(rate * seconds / 2)
                for strict, label in (
                    (False, "higher rate, 1/6 s slack"),
                    (True, "higher rate, bucket of 5"),
                ):
                    runs.append(await broadcast(sandbox, bot, label, rate, count, count, strict))
            contrast = await naive(sandbox, bot, 30.0, chats)
        finally:
            await bot.session.close()
    for run in runs:
        print(run.line())
    print(contrast)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the run at 30/s")
    parser.add_argument("--chats", type=int, default=300, help="chats in the run at 30/s")
    parser.add_argument("--high-rates", default="300,1000", help="comma-separated higher rates (messages/s)")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.chats, [float(r) for r in args.high_rates.split(",") if r]))


if __name__ == "__main__":
    cli()
