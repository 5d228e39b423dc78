"""Checks workflows/data/catalog.yaml against knowledge/data/rounds.yaml and the source documents.

Independent of the project's code: only PyYAML and the files. A typo in a date, a label or a fee fails here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "workflows" / "data" / "catalog.yaml"
ROUNDS = ROOT / "knowledge" / "data" / "rounds.yaml"
SEEDS = ROOT / "knowledge" / "data" / "seeds"

KINDS = {
    "registration", "payment", "upload", "document_mailing", "recommender", "exam", "interview",
    "admission_ticket", "results", "score_review", "review_result", "checkin", "waitlist", "give_up",
}  # fmt: skip
# Code picks "the" date of these kinds, so a round may hold only one round-wide date of each.
SINGLE_KINDS = {
    "registration", "payment", "upload", "document_mailing", "recommender", "admission_ticket",
    "review_result", "score_review", "checkin",
}  # fmt: skip
ROUND_KEYS = {
    "id", "school", "name_zh", "name_en", "serial_prefix", "source", "deadlines", "upload_items", "programs",
}  # fmt: skip
PROGRAM_KEYS = {"code", "name_zh", "name_en", "fee", "recommenders_min", "recommenders_max", "upload_items"}
ITEM_KEYS = {
    "code", "name_zh", "name_en", "file_type", "max_mb", "min_width", "min_height", "requires_payment",
    "requires_item", "required",
}  # fmt: skip
DEADLINE_KEYS = {"kind", "starts", "due", "label_zh", "label_en", "place", "program"}
# Rounds whose document gives no fee: their fee is the nearest figure documented elsewhere.
FEE_FROM_OTHER_DOCUMENT = {"ntut115-inservice"}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
CODE = re.compile(r"[a-z][a-z0-9_]*")

# Dates as the documents write them: 「115年01月05日」, 「105 年 6 月 27 日」, 「6 月 13 日」 (year left out),
# 「2024-10-08」.
ROC_DATE = re.compile(r"(?:(\d{2,4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Times: 「17:00」, 「17：00」, 「下午 17：00」 (24-hour after 下午), 「下午3點」, 「下午5時」, 「中午12:00」.
CLOCK = re.compile(r"(上午|中午|下午|晚上)?\s*(\d{1,2})\s*[:：]\s*(\d{2})")
HOUR = re.compile(r"(上午|中午|下午|晚上)?\s*(\d{1,2})\s*[點時]")


def squash(text: str) -> str:
    """Runs of whitespace collapsed to one space."""
    return " ".join(text.split())


@cache
def catalog() -> dict[str, Any]:
    with CATALOG.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


@cache
def known_rounds() -> dict[str, dict[str, Any]]:
    with ROUNDS.open(encoding="utf-8") as handle:
        return {r["id"]: r for r in yaml.safe_load(handle)["rounds"]}


@cache
def document(name: str) -> str:
    return squash((SEEDS / name).read_text(encoding="utf-8"))


def rounds() -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = catalog()["rounds"]
    return listed


def round_ids() -> list[str]:
    return [r["id"] for r in rounds()]


def by_id(round_id: str) -> dict[str, Any]:
    return next(r for r in rounds() if r["id"] == round_id)


def stamp(value: Any) -> datetime:
    assert isinstance(value, str) and STAMP.fullmatch(value), f"not YYYY-MM-DDTHH:MM: {value!r}"
    return datetime.fromisoformat(value)


def dates_in(label: str) -> list[tuple[int | None, int, int]]:
    """(year or None, month, day) of every date the label writes; ROC years converted."""
    found: list[tuple[int | None, int, int]] = []
    for year, month, day in ROC_DATE.findall(label):
        western = int(year) + 1911 if year and int(year) < 1000 else (int(year) if year else None)
        found.append((western, int(month), int(day)))
    found += [(int(y), int(m), int(d)) for y, m, d in ISO_DATE.findall(label)]
    return found


def times_in(label: str) -> set[time]:
    def hour(part: str, value: str) -> int:
        h = int(value)
        return h + 12 if part in ("下午", "晚上") and h < 12 else h

    found = {time(hour(p, h), int(m)) for p, h, m in CLOCK.findall(label)}
    return found | {time(hour(p, h)) for p, h in HOUR.findall(label)}


def mentions(label: str, day: date) -> bool:
    return any(m == day.month and d == day.day and y in (None, day.year) for y, m, d in dates_in(label))


def all_items(round_: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every upload-item list of a round, named for messages."""
    lists = [("round", round_["upload_items"])]
    return lists + [(p["code"], p["upload_items"]) for p in round_["programs"] if "upload_items" in p]


def fee_pattern(fee: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d,]){fee:,}(?![\d,])|(?<![\d,]){fee}(?![\d,])")


def test_rounds_match_the_knowledge_base() -> None:
    known = known_rounds()
    assert round_ids() == list(known)
    for r in rounds():
        k = known[r["id"]]
        assert (r["name_zh"], r["name_en"], r["source"]) == (k["name_zh"], k["name_en"], k["source"])
        assert k["school"].startswith(r["school"]) and r["school"]
        assert (SEEDS / r["source"]).is_file()


@pytest.mark.parametrize("round_id", round_ids())
def test_round_fields_and_types(round_id: str) -> None:
    r = by_id(round_id)
    assert set(r) == ROUND_KEYS
    assert re.fullmatch(r"[A-Z]{2}", r["serial_prefix"])
    assert isinstance(r["deadlines"], list) and r["deadlines"]
    assert isinstance(r["programs"], list) and r["programs"]
    codes = [p["code"] for p in r["programs"]]
    assert len(codes) == len(set(codes)), "program codes repeat"
    names = [p["name_zh"] for p in r["programs"]]
    assert len(names) == len(set(names)), "program names repeat"
    for p in r["programs"]:
        assert set(p) <= PROGRAM_KEYS
        assert isinstance(p["code"], str) and 0 < len(p["code"]) <= 16
        assert all(isinstance(p[key], str) and p[key] for key in ("name_zh", "name_en"))
        assert isinstance(p["fee"], int) and p["fee"] > 0
        low, high = p["recommenders_min"], p["recommenders_max"]
        assert isinstance(low, int) and isinstance(high, int) and 0 <= low <= high


@pytest.mark.parametrize("round_id", round_ids())
def test_upload_items(round_id: str) -> None:
    r = by_id(round_id)
    for owner, items in all_items(r):
        assert isinstance(items, list)
        seen: list[str] = []
        for item in items:
            where = f"{round_id}/{owner}/{item.get('code')}"
            assert {"code", "name_zh", "name_en", "file_type", "max_mb"} <= set(item) <= ITEM_KEYS, where
            assert CODE.fullmatch(item["code"]) and len(item["code"]) <= 32, where
            assert item["name_zh"] and item["name_en"], where
            assert item["file_type"] in ("jpg", "pdf"), where
            assert isinstance(item["max_mb"], int | float) and 0 < item["max_mb"] <= 100, where
            for side in ("min_width", "min_height"):
                assert item.get(side) is None or (item["file_type"] == "jpg" and item[side] > 0), where
            assert isinstance(item.get("requires_payment", True), bool), where
            assert isinstance(item.get("required", True), bool), where
            # An item can only wait for one listed before it.
            assert item.get("requires_item") in (None, *seen), where
            seen.append(item["code"])
        assert len(seen) == len(set(seen)), f"{round_id}/{owner}: item codes repeat"


def test_mailed_rounds_have_a_mailing_date_and_online_rounds_an_upload_date() -> None:
    for r in rounds():
        kinds = {d["kind"] for d in r["deadlines"]}
        online = any(items for _, items in all_items(r))
        assert ("upload" in kinds) == online, r["id"]
        if not online:
            assert "document_mailing" in kinds, r["id"]


@pytest.mark.parametrize("round_id", round_ids())
def test_deadline_fields_and_order(round_id: str) -> None:
    r = by_id(round_id)
    codes = {p["code"] for p in r["programs"]}
    once: set[tuple[str | None, str]] = set()
    for d in r["deadlines"]:
        where = f"{round_id}/{d.get('kind')}/{d.get('label_zh')}"
        assert {"kind", "due", "label_zh", "label_en"} <= set(d) <= DEADLINE_KEYS, where
        assert d["kind"] in KINDS, where
        assert isinstance(d["label_en"], str) and d["label_en"].strip(), where
        assert d.get("place") is None or (isinstance(d["place"], str) and d["place"]), where
        assert d.get("program") is None or d["program"] in codes, where
        due = stamp(d["due"])
        if "starts" in d:
            assert stamp(d["starts"]) <= due, where
        key = (d.get("program"), d["kind"])
        if d.get("program") or d["kind"] in SINGLE_KINDS:
            assert key not in once, f"{where}: a second date of this kind"
            once.add(key)


@pytest.mark.parametrize("round_id", round_ids())
def test_labels_are_verbatim_and_agree_with_the_dates(round_id: str) -> None:
    r = by_id(round_id)
    text = document(r["source"])
    for d in r["deadlines"]:
        label = d["label_zh"]
        assert isinstance(label, str) and label.strip()
        assert squash(label) in text, f"{round_id}: not in {r['source']}: {label}"
        due = stamp(d["due"])
        assert mentions(label, due.date()), f"{round_id}: {label} does not name {due.date()}"
        if "starts" in d and len(dates_in(label)) > 1:
            starts = stamp(d["starts"]).date()
            assert mentions(label, starts), f"{round_id}: {label} does not name {starts}"
        # 23:59 stands for 「…前」 / a bare day, 00:00 for the start of a bare day: no time to compare.
        for moment in (due, *([stamp(d["starts"])] if "starts" in d else [])):
            if moment.time() not in (time(23, 59), time(0, 0)):
                assert moment.time() in times_in(label), f"{round_id}: {label} does not say {moment:%H:%M}"


@pytest.mark.parametrize("round_id", round_ids())
def test_fees_appear_in_the_document(round_id: str) -> None:
    r = by_id(round_id)
    if round_id in FEE_FROM_OTHER_DOCUMENT:
        texts = [document(p.name) for p in sorted(SEEDS.glob("*.txt")) if p.name != r["source"]]
    else:
        texts = [document(r["source"])]
    for p in r["programs"]:
        assert any(fee_pattern(p["fee"]).search(t) for t in texts), f"{round_id}/{p['code']}: fee {p['fee']}"


def test_the_date_checks_catch_typos() -> None:
    """The helpers behind the label checks read the documents' date and time styles."""
    assert dates_in("繳交報名費（115年01月05日（星期一）前）") == [(2026, 1, 5)]
    assert dates_in("105 年 06 月 13 日（星期一）起至 06 月 23 日") == [(2016, 6, 13), (None, 6, 23)]
    assert dates_in("敬請您於2024-10-08 17:00前") == [(2024, 10, 8)]
    assert times_in("下午3點前") == {time(15)}
    assert times_in("上午 10：00 起至 105 年 08 月 03 日（星期三）下午 17：00 止") == {time(10), time(17)}
    assert times_in("至109年10月6日 中午12:00止") == {time(12)}
    assert times_in("下午5時前") == {time(17)}
    assert not mentions("115年01月05日", date(2025, 1, 5))
    assert fee_pattern(1200).search("碩士班 1,200 元") and fee_pattern(1300).search("報名費：1300元")
    assert not fee_pattern(1100).search("11,000 元") and not fee_pattern(650).search("1650 元")


def test_known_contents() -> None:
    """Spot checks of what the store relies on, from the documents' own words."""
    inservice = by_id("ntut115-inservice")
    items = {i["code"]: i for i in inservice["upload_items"]}
    assert list(items) == ["photo", "id_front", "id_back", "qualification", "review"]
    assert (items["photo"]["min_width"], items["photo"]["min_height"]) == (450, 600)
    assert items["review"]["max_mb"] == 55 and items["review"]["requires_item"] == "qualification"
    assert all(i["requires_payment"] for i in items.values())
    assert [p["code"] for p in inservice["programs"]] == ["260"]
    ntust = {p["name_zh"]: p for p in by_id("ntust-apply")["programs"]}
    assert ntust["電子工程系博士班"]["recommenders_min"] == 1
    optional = ntust["營建工程系博士班"]
    assert (optional["recommenders_min"], optional["recommenders_max"]) == (0, 3)
    assert ntust["營建工程系碩士班戊組(資訊科技組)"]["fee"] == 1500
    twoyear = {p["name_zh"]: p["fee"] for p in by_id("ntub108-twoyear")["programs"]}
    assert twoyear == {"會計資訊系": 650, "財務金融系": 850, "財政稅務系": 650, "企業管理系": 850,
                       "資訊管理系": 650, "應用外語系": 850}  # fmt: skip
    returnee = {p["code"][0]: p["fee"] for p in by_id("ntut109-returnee")["programs"]}
    assert returnee == {"B": 900, "M": 1200, "D": 2000}
    assert {p["fee"] for p in by_id("ntut105-transfer")["programs"]} == {1100}
