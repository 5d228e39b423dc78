"""The main job: `assistant demo` builds the demo store and relays the terminal to the real bot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_demo_chat_in_the_terminal(tmp_path: Path) -> None:
    lines = "碩專班照片要多大\n/login\nMD0001\nA123456789\n79/03/15\n/quit\n"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    env.pop("ADMISSIONS_DB_URL", None)
    done = subprocess.run([sys.executable, "-m", "cli", "demo"], input=lines, capture_output=True, text=True,
                          env=env, cwd=Path(__file__).parents[2], timeout=120, check=True)  # fmt: skip
    out = done.stdout
    assert "300 fictitious registrations" in out
    assert "450" in out and "📄" in out and "[1] 👍" in out
    assert re.search(r"📧 \(demo mailbox\) to d\*+t@example.com: code \d{6}", out)
    assert (tmp_path / "admissions-assistant" / "demo.db").exists()
    assert not (tmp_path / "admissions-assistant" / "admissions.db").exists()  # the real store is untouched
