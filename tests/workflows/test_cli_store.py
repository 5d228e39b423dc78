"""The store commands, as an office uses them: upgrade, catalog, the example CSVs, status, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADMISSIONS_DB_URL", f"sqlite:///{tmp_path / 'office.db'}")
    monkeypatch.setenv("ADMISSIONS_SECRET", "office-secret")
    monkeypatch.delenv("ADMISSIONS_DEMO", raising=False)
    return tmp_path


def test_example_files_import_in_order(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["catalog"]).exit_code == 0
    for kind in ("registrations", "payments", "uploads", "recommenders"):
        result = runner.invoke(app, ["import", kind, str(EXAMPLES / f"{kind}.csv")])
        assert result.exit_code == 0, result.output
        assert "0 skipped" in result.output
    again = runner.invoke(app, ["import", "registrations", str(EXAMPLES / "registrations.csv")])
    assert "0 created, 0 updated, 3 unchanged" in again.output
    audit = runner.invoke(app, ["audit", "--action", "import"])
    assert audit.exit_code == 0 and audit.output.count("registrations:") == 2, audit.output
    status = runner.invoke(app, ["status", "md0026"])
    assert status.exit_code == 0
    assert "MD0026" in status.output and "已繳費" in status.output and "A123456789" not in status.output
    lookup = runner.invoke(app, ["lookup", "a123456789", "79/03"])
    assert lookup.output.split()[0] == "MD0026"


def test_bad_file_imports_nothing_and_names_lines(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["catalog"])
    bad = env / "bad.csv"
    bad.write_text((EXAMPLES / "registrations.csv").read_text(encoding="utf-8").replace("A123456789", "A123456780"),
                   encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["import", "registrations", str(bad)])
    assert result.exit_code == 1
    assert "line 2, national_id: invalid (checksum): A12*****80" in result.output
    assert "nothing imported" in result.output
    assert runner.invoke(app, ["status", "MD0027"]).exit_code == 1  # the good row was not imported either
    assert runner.invoke(app, ["import", "registrations", str(bad), "--skip-bad"]).exit_code == 0
    assert runner.invoke(app, ["status", "MD0027"]).exit_code == 0


def test_missing_secret_is_one_clear_line(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADMISSIONS_SECRET")
    result = CliRunner().invoke(app, ["status", "MD0026"])
    assert result.exit_code == 2
    assert "ADMISSIONS_SECRET" in result.output and "Traceback" not in result.output


def test_head_revision_from_file_names_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    from workflows.migrate import alembic_config, head_revision

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == head_revision()
