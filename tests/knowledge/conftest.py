"""Shared fixtures: the small fixture knowledge base and the real one, each loaded once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, load_knowledge

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_kb() -> KnowledgeBase:
    """The knowledge base built from tests/knowledge/fixtures (two rounds, five entries)."""
    return load_knowledge(FIXTURES)


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """A writable copy of the fixture data."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return load_knowledge()
