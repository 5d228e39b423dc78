"""How the matcher does on phrasings and near misses it has never seen, measured without the evaluation set.

    python -m bench.faq_unseen              # the figures, at the calibrated threshold
    python -m bench.faq_unseen --list 30    # also 30 of the phrasings answered with another entry

The second blind round of data (commit ROUND_COMMIT: 1,796 phrasings and 600 near misses, written by helper
sessions that saw no evaluation question, no word list and no code) is taken out of a copy of the knowledge
data, and each question is asked back: a phrasing with its entry's round (as from a linked registration),
a near miss with its round. It is a second yardstick beside the dev split, about five times the size of the
held-out split, that may be read question by question. Its questions shaped none of the code; the helpers'
first round and the evaluation set did, so it is not a held-out split either.

Needs the repository's history (a clone, not an export).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import yaml

from bench.common import peak_rss_mb
from knowledge import Answer
from knowledge.base import build_knowledge
from knowledge.loader import DATA_DIR
from knowledge.rounds import ALL_ROUNDS

ROUND_COMMIT = "0388039"  # knowledge: a second blind round: 1,796 more ways of asking ... and 600 more near misses
REPOSITORY = Path(__file__).resolve().parent.parent

Pair = tuple[str, str]  # (entry id or round id, question)


@dataclass(frozen=True)
class Unseen:
    """The phrasings (entry id, question) and near misses (round id, question) the commit added."""

    phrasings: list[Pair]
    near_misses: list[Pair]


def data_at(commit: str, into: Path) -> Path:
    """The knowledge data folder as of `commit`, unpacked under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", commit, "knowledge/data"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "knowledge" / "data"


def phrasings(folder: Path) -> set[Pair]:
    """Every (entry id, phrasing) of the entry files in `folder`."""
    found: set[Pair] = set()
    for path in sorted((folder / "entries").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            found.update((entry["id"], q) for lang in ("zh", "en") for q in entry["questions"].get(lang, []))
    return found


def near_misses(folder: Path) -> set[Pair]:
    """Every (round id, question) of near_misses.yaml in `folder`."""
    path = folder / "near_misses.yaml"
    if not path.exists():
        return set()
    rounds = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return {(r, q) for r, langs in rounds.items() for lang in ("zh", "en") for q in langs.get(lang, [])}


def unseen(commit: str, scratch: Path) -> Unseen:
    """What `commit` added to the entries' phrasings and to the near misses (still in today's data)."""
    before = data_at(f"{commit}^", scratch / "before")
    after = data_at(commit, scratch / "after")
    today_phrasings, today_near = phrasings(DATA_DIR), near_misses(DATA_DIR)
    return Unseen(
        sorted((phrasings(after) - phrasings(before)) & today_phrasings),
        sorted((near_misses(after) - near_misses(before)) & today_near),
    )


def data_without(held: Unseen, into: Path) -> Path:
    """A copy of today's knowledge data without the held phrasings and near misses."""
    folder = into / "data"
    shutil.copytree(DATA_DIR, folder)
    drop = set(held.phrasings)
    for path in sorted((folder / "entries").glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for entry in entries:
            for lang in ("zh", "en"):
                kept = [q for q in entry["questions"].get(lang, []) if (entry["id"], q) not in drop]
                entry["questions"][lang] = kept
        path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = folder / "near_misses.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    gone = set(held.near_misses)
    for round_id, langs in document["questions"].items():
        for lang, questions in langs.items():
            langs[lang] = [q for q in questions if (round_id, q) not in gone]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def round_of(key: str) -> str | None:
    """The round to ask in: an entry id's or a round id's round, none for the all-rounds ones."""
    round_id = key.split(".", 1)[0]
    return None if round_id == ALL_ROUNDS else round_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", type=int, default=0, help="show this many phrasings answered with another entry")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        held = unseen(ROUND_COMMIT, Path(scratch))
        kb = build_knowledge(data_without(held, Path(scratch)))
    right = wrong = unsure = other = 0
    misses: list[str] = []
    for entry_id, question in held.phrasings:
        answer: Answer = kb.ask(question, round_id=round_of(entry_id))
        if answer.status == "answered" and answer.entry_id == entry_id:
            right += 1
        elif answer.status == "answered":
            wrong += 1
            misses.append(f"  {entry_id} -> {answer.entry_id or 'brochure quote'}: {question}")
        elif answer.status == "unsure":
            unsure += 1
        else:
            other += 1
    near_unsure = sum(kb.ask(q, round_id=round_of(r)).status == "unsure" for r, q in held.near_misses)
    n, m = len(held.phrasings), len(held.near_misses)
    if not n or not m:
        print("none of that commit's phrasings or near misses is left in the data", file=sys.stderr)
        return 1
    print(f"unseen phrasings: {n}; answered with their entry {right / n:.1%}, with another {wrong / n:.1%}, "
          f"unsure {unsure / n:.1%}, ambiguous or personal {other / n:.1%}")
    print(f"unseen near misses: {m}; unsure {near_unsure / m:.1%}")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    for line in misses[: args.list]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
