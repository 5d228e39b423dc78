"""`assistant serve` freezes what start-up built, so the collector's full passes no longer walk it."""

from __future__ import annotations

import gc

from cli.serve import _release_startup_memory


def test_start_up_objects_are_frozen_out_of_the_collector() -> None:
    survivor = [[] for _ in range(1000)]  # stands for aiogram's models and the knowledge base
    before = gc.get_freeze_count()
    try:
        _release_startup_memory()
        assert gc.get_freeze_count() >= before + len(survivor)
    finally:
        gc.unfreeze()  # the other tests in this process expect an ordinary collector
