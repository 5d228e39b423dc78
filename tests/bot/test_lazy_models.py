"""aiogram's Telegram models are built on first use (bot/lazy_models.py), and build as the eager import would."""

from __future__ import annotations

import json
import subprocess
import sys

from aiogram.types import Giveaway, Update


def _run(code: str, *args: str) -> str:
    """Run `code` in a fresh interpreter (aiogram not imported yet) and return what it printed."""
    command = [sys.executable, "-c", code, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_models_nobody_used_are_not_built() -> None:
    # tests/conftest.py imports the bot package first, as serve does.
    assert Update.__pydantic_complete__  # every update needs it: built at import
    assert not Giveaway.__pydantic_complete__


def test_serve_imports_aiogram_lazily() -> None:
    out = _run(
        "from cli.serve import _check_token; _check_token('123456:secret-part');"
        "from aiogram.types import Giveaway; print(Giveaway.__pydantic_complete__)"
    )
    assert out.strip() == "False"


def test_every_model_builds_lazily() -> None:
    # A generic response over a type not built yet (what aiogram makes of every reply), then each Telegram type
    # and API method: each builds from the namespace kept for it.
    out = _run(
        "import bot, aiogram.types as t, aiogram.methods as m\n"
        "from pydantic import BaseModel\n"
        "from aiogram.methods.base import Response\n"
        "Response[t.Message].model_validate({'ok': True, 'result': {'message_id': 1, 'date': 0, 'text': 'x',"
        " 'chat': {'id': 1, 'type': 'private'}}})\n"
        "names = [n for n in t.__all__ + m.__all__ if isinstance(getattr(t, n, None) or getattr(m, n, None), type)]\n"
        "models = [getattr(t, n, None) or getattr(m, n) for n in names]\n"
        "models = [c for c in models if issubclass(c, BaseModel) and not c.__pydantic_generic_metadata__['parameters']]\n"
        "built = [c.model_rebuild() is not False for c in models]\n"
        "Response[t.WebhookInfo].model_validate({'ok': True, 'result': {'url': '', 'has_custom_certificate': False,"
        " 'pending_update_count': 0}})\n"
        "print(len(models), all(built))"
    )
    count, all_built = out.split()
    assert int(count) > 400 and all_built == "True"


PAYLOADS = [
    {"update_id": 1, "message": {"message_id": 7, "date": 1700000000, "chat": {"id": 5, "type": "private"},
                                 "from": {"id": 5, "is_bot": False, "first_name": "A", "language_code": "zh-hant"},
                                 "text": "/start x", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}},
    {"update_id": 2, "callback_query": {"id": "9", "chat_instance": "c", "data": "vote:1",
                                        "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                        "message": {"message_id": 8, "date": 1700000000, "text": "answer",
                                                    "chat": {"id": 5, "type": "private"},
                                                    "reply_markup": {"inline_keyboard": [[{"text": "👍",
                                                                                           "callback_data": "v"}]]}}}},
    {"update_id": 3, "my_chat_member": {"chat": {"id": 5, "type": "private"}, "date": 1700000000,
                                        "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True,
                                                                                         "first_name": "bot"}},
                                        "new_chat_member": {"status": "kicked", "until_date": 0,
                                                            "user": {"id": 1, "is_bot": True, "first_name": "bot"}}}},
]  # fmt: skip


def test_updates_validate_as_with_the_eager_import() -> None:
    code = (
        "import json, sys\n"
        "{prelude}\n"
        "from aiogram.types import Update\n"
        "payloads = json.loads(sys.argv[1])\n"
        "print(json.dumps([Update.model_validate(p).model_dump(mode='json', exclude_none=True) for p in payloads]))"
    )
    payloads = json.dumps(PAYLOADS)
    lazy, eager = (json.loads(_run(code.format(prelude=prelude), payloads)) for prelude in ("import bot", "import aiogram"))
    assert lazy == eager
    assert lazy[2]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
