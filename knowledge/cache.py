"""The built knowledge base kept on disk, so that start-up need not rebuild its indexes when nothing changed.

Building takes about a second (every entry question, answer and brochure paragraph is analysed and indexed);
reading the built one back takes about a tenth of that, and spares `assistant serve` the build's passing peak
of memory. The file's name holds a hash of every data file, of the knowledge package's own code and of the
Python and numpy versions: a corrected entry, an edited word list or a new matcher builds anew, and is
validated anew, so a broken data file still fails loudly with its file and line. A missing, unreadable or
stale file is simply rebuilt.

The cache is a pickle: only a directory that no one else may write belongs in KNOWLEDGE_CACHE_DIR (the default
is the user's own cache directory). An empty KNOWLEDGE_CACHE_DIR turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)
CODE_DIR = Path(__file__).parent


def cache_dir() -> Path | None:
    """KNOWLEDGE_CACHE_DIR, else $XDG_CACHE_HOME (or ~/.cache)/admissions-assistant; None when set empty."""
    configured = os.environ.get("KNOWLEDGE_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "admissions-assistant"


def cache_key(data_dir: Path) -> str:
    """A hash of everything the built knowledge base depends on."""
    digest = hashlib.sha256(f"{sys.version}|numpy {np.__version__}".encode())
    data = (p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".txt"))
    for path in sorted(data) + sorted(CODE_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def read(folder: Path, key: str) -> KnowledgeBase | None:
    """The knowledge base built for `key`, if the cache holds a readable one."""
    path = folder / f"knowledge-{key}.pickle"
    try:
        with path.open("rb") as file:
            return pickle.load(file)  # noqa: S301 - our own cache directory, see the module docstring
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged or outdated file: build anew
        log.warning("knowledge cache %s unreadable (%s): rebuilding", path, exc)
        return None


def write(folder: Path, key: str, kb: KnowledgeBase) -> None:
    """Keep `kb` under `key` (written whole or not at all); older builds in `folder` are removed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".knowledge-", delete=False) as file:
            pickle.dump(kb, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, folder / f"knowledge-{key}.pickle")
    except OSError as exc:
        log.warning("knowledge cache %s not writable (%s): the next start builds again", folder, exc)
        return
    for old in folder.glob("knowledge-*.pickle"):
        if old.name != f"knowledge-{key}.pickle":
            with contextlib.suppress(OSError):
                old.unlink()
