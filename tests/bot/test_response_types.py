"""The bot keeps aiogram's parametrised response models: pydantic's cache alone lets the collector drop them,
and rebuilding one costs milliseconds per reply."""

from __future__ import annotations

import gc
import weakref

import pytest
from aiogram.methods.base import Response
from aiogram.types import Message

from bot.app import build_bot
from bot.sandbox import BotApiSandbox


@pytest.mark.asyncio(loop_scope="module")
async def test_reply_model_survives_garbage_collection(sandbox: BotApiSandbox) -> None:
    bot = build_bot(sandbox.token, sandbox.base_url)
    try:
        sent = await bot.send_message(sandbox.new_user_id(), "你好")
        assert sent.text == "你好"
        model = weakref.ref(Response[Message])
        gc.collect()
        assert model() is not None, "Response[Message] was collected and will be rebuilt on the next reply"
    finally:
        await bot.session.close()


def test_pydantic_alone_drops_the_model() -> None:
    # Why the middleware exists: a parametrised model nobody holds is collected (Response[list[int]] is used
    # nowhere else, so this cannot depend on what other tests did).
    model = weakref.ref(Response[list[int]])
    gc.collect()
    assert model() is None
