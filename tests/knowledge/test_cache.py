"""The on-disk cache of the built knowledge base: read back when nothing changed, rebuilt (and validated)
when any data file changed, ignored when damaged, off when KNOWLEDGE_CACHE_DIR is empty."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from knowledge import KnowledgeDataError, base, load_knowledge


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KNOWLEDGE_CACHE_DIR", str(folder))
    return folder


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(folder: Path) -> base.KnowledgeBase:
        raise AssertionError(f"rebuilt {folder} although the cache holds it")

    monkeypatch.setattr(base, "build_knowledge", refuse)


def test_second_load_reads_the_cache_and_answers_alike(data: Path, cache_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    built = load_knowledge(data)
    assert len(list(cache_dir.glob("knowledge-*.pickle"))) == 1
    _no_build(monkeypatch)
    cached = load_knowledge(data)
    for question in ("轉學考報名費多少", "照片規格", "宿舍有冷氣嗎", "我的報名序號是多少"):
        assert cached.ask(question) == built.ask(question)


def test_a_changed_entry_is_rebuilt(data: Path, cache_dir: Path) -> None:
    load_knowledge(data)
    path = data / "entries" / "ntut105-transfer.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("1,100 元", "1,200 元"), encoding="utf-8")
    answer = load_knowledge(data).ask("轉學考報名費多少")
    assert "1,200" in answer.answer
    assert len(list(cache_dir.glob("knowledge-*.pickle"))) == 1  # the outdated build is removed


def test_a_broken_file_still_fails_with_its_line(data: Path, cache_dir: Path) -> None:
    load_knowledge(data)  # the good version is cached
    path = data / "entries" / "ntut105-transfer.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  answer:\n", "  answer: [\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match="ntut105-transfer.yaml:"):
        load_knowledge(data)


def test_a_damaged_cache_file_is_rebuilt(data: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_knowledge(data)
    [path] = cache_dir.glob("knowledge-*.pickle")
    path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert load_knowledge(data).ask("轉學考報名費多少").status == "answered"
    assert "unreadable" in caplog.text
    assert path.read_bytes() != b"not a pickle"


def test_empty_setting_turns_the_cache_off(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_knowledge(data)
    assert not (tmp_path / "xdg").exists()
