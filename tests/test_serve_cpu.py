"""SERVE_CPU pins `assistant serve`, threads included, to one CPU; a CPU it may not use is refused clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).parents[1]


def _env(tmp_path: Path, cpu: int) -> dict[str, str]:
    env = {**os.environ, "ADMISSIONS_DB_URL": f"sqlite:///{tmp_path / 'office.db'}", "ADMISSIONS_DEMO": "1",
           "SERVE_CPU": str(cpu), "PYTHONUNBUFFERED": "1"}  # fmt: skip
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("IMAP_HOST", None)
    return env


def test_a_cpu_out_of_reach_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve"], env=_env(tmp_path, 4096))
    assert result.exit_code != 0
    assert "SERVE_CPU=4096" in result.output and "Traceback" not in result.output


def test_serve_and_its_threads_run_on_the_cpu_given(tmp_path: Path) -> None:
    cpu = max(os.sched_getaffinity(0))
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve"], env=_env(tmp_path, cpu), stdout=out,
                                   stderr=out, cwd=ROOT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "no Telegram bot" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        tasks = list(Path(f"/proc/{process.pid}/task").iterdir())
        assert len(tasks) > 1  # the store's connection thread is running too
        for task in tasks:
            assert os.sched_getaffinity(int(task.name)) == {cpu}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()[-3000:]
