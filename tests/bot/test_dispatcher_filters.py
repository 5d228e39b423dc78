"""Every filter runs on the event loop: aiogram hands a synchronous filter to a worker thread per update."""

from __future__ import annotations

from aiogram import Router

from bot.app import build_dispatcher
from bot.deps import BotDeps
from bot.fsm_storage import StoreStorage
from knowledge import load_knowledge
from workflows.context import Context
from workflows.db import Database
from workflows.settings import Settings


def _routers(router: Router) -> list[Router]:
    return [router, *(r for sub in router.sub_routers for r in _routers(sub))]


def test_no_filter_is_run_in_a_thread() -> None:
    url = "sqlite:///:memory:"  # never opened: building the dispatcher touches no store
    ctx = Context(db=Database(url), settings=Settings(admissions_db_url=url, admissions_demo=True))
    dp = build_dispatcher(BotDeps(ctx, load_knowledge()), StoreStorage(ctx))
    checked = 0
    for router in _routers(dp):
        for name, observer in router.observers.items():
            filters = [f for f in observer._handler.filters or []]
            filters += [f for handler in observer.handlers for f in handler.filters or []]
            for flt in filters:
                assert flt.awaitable, f"router {router.name!r}, {name}: {flt.callback!r} would run in a thread"
                checked += 1
            for handler in observer.handlers:
                assert handler.awaitable, f"router {router.name!r}, {name}: handler {handler.callback!r} is not async"
    assert checked > 20  # the routers were really walked
