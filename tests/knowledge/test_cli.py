"""`assistant ask` and `assistant rounds`, through typer's runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_ask_json_prints_one_object() -> None:
    result = runner.invoke(app, ["ask", "轉學考報名費多少", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "answered" and data["entry_id"] == "ntut105-transfer.fee"
    assert {"answer", "round", "confidence", "sources", "candidates"} <= data.keys()


def test_ask_with_round_and_language() -> None:
    result = runner.invoke(app, ["ask", "報名費多少", "--round", "ntub108-twoyear", "--lang", "en", "--json"])
    data = json.loads(result.output)
    assert data["round"] == "ntub108-twoyear" and data["lang"] == "en" and "NT$" in data["answer"]


def test_ask_reads_questions_from_stdin() -> None:
    result = runner.invoke(app, ["ask", "--json", "-"], input="報名費多少\n\n我繳費了沒\n宿舍怎麼申請\n")
    assert result.exit_code == 0, result.output
    statuses = [json.loads(line)["status"] for line in result.output.splitlines()]
    assert statuses == ["ambiguous", "personal", "unsure"]


def test_ask_plain_output_and_bad_options() -> None:
    result = runner.invoke(app, ["ask", "宿舍怎麼申請"])
    assert result.exit_code == 0 and "unsure" in result.output and "承辦人員" in result.output
    assert runner.invoke(app, ["ask", "x", "--lang", "fr"]).exit_code == 2
    assert runner.invoke(app, ["ask", "x", "--round", "nope"]).exit_code == 2


def test_rounds_lists_the_ids() -> None:
    result = runner.invoke(app, ["rounds"])
    ids = [line.split("\t")[0] for line in result.output.splitlines()]
    assert ids == ["ntut115-inservice", "ntust-apply", "ntut105-transfer", "ntub108-twoyear", "ntut109-returnee"]
    assert [r["id"] for r in json.loads(runner.invoke(app, ["rounds", "--json"]).output)] == ids
