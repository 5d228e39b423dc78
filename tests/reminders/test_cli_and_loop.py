"""`assistant reminders plan|run-once` on the example files, and the scheduler loop inside `serve`."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.reminders.conftest import Office
from workflows.reminders import RunReport
from workflows.scheduler import ReminderScheduler

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ADMISSIONS_DB_URL", f"sqlite:///{tmp_path / 'office.db'}")
    monkeypatch.setenv("ADMISSIONS_SECRET", "office-secret")
    runner = CliRunner()
    assert runner.invoke(app, ["catalog"]).exit_code == 0
    for kind in ("registrations", "payments", "uploads", "recommenders"):
        assert runner.invoke(app, ["import", kind, str(EXAMPLES / f"{kind}.csv")]).exit_code == 0
    return runner


def test_plan_shows_masked_recipients_and_writes_nothing(store: CliRunner) -> None:
    result = store.invoke(app, ["reminders", "plan", "--at", "2026-01-02 09:00"])
    assert result.exit_code == 0, result.output
    assert "send payment_3d [ntut115-inservice] payment 2026-01-05 23:59: 1 (telegram 0, email 1)" in result.output
    assert "MD0027  email c***********a@example.com  now" in result.output
    assert "chen.hsiaohua" not in result.output and "B120863158" not in result.output
    again = store.invoke(app, ["reminders", "plan", "--at", "2026-01-02 09:00", "--json"])
    data = json.loads(again.output)
    assert [(b["rule"], [m["serial"] for m in b["messages"]]) for b in data["batches"]] == [("payment_3d", ["MD0027"])]
    late = json.loads(store.invoke(app, ["reminders", "plan", "--at", "2026-01-06 01:00", "--json"]).output)
    outcomes = {b["rule"]: (b["outcome"], b["messages"][0]["send_at"], b["messages"][0]["late"]) for b in late["batches"]}
    assert outcomes == {"payment_today": ("drop", "2026-01-06T08:00:00+08:00", True),
                        "upload_1d": ("send", "2026-01-06T08:00:00+08:00", True)}  # fmt: skip


def test_run_once_and_bad_input(store: CliRunner) -> None:
    result = store.invoke(app, ["reminders", "run-once"])
    assert result.exit_code == 0 and "reminder(s) enqueued" in result.output
    bad = store.invoke(app, ["reminders", "plan", "--at", "next tuesday"])
    assert bad.exit_code == 2 and "--at: not a date and time" in bad.output and "Traceback" not in bad.output


async def test_loop_survives_a_failed_run_and_stops(office: Office, caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()
    calls: list[int] = []

    class Flaky(ReminderScheduler):
        async def run_once(self) -> RunReport:
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("store away")
            stop.set()
            return RunReport()

    with caplog.at_level(logging.ERROR, logger="workflows.scheduler"):
        await asyncio.wait_for(Flaky(office.ctx, office.book).run_forever(stop, interval_seconds=0), timeout=5)
    assert len(calls) == 2 and "reminder run failed" in caplog.text
