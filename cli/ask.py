"""`assistant ask` and `assistant rounds`: the knowledge base from the command line."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from knowledge import Answer, KnowledgeBase, KnowledgeDataError, load_knowledge

_STATUS_ZH = {"answered": "已回答", "ambiguous": "需確認梯次", "unsure": "不確定", "personal": "個人資料"}


def _load() -> KnowledgeBase:
    try:
        return load_knowledge()
    except KnowledgeDataError as exc:
        typer.echo(f"knowledge data error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _render(answer: Answer) -> str:
    lines = [f"[{answer.status} / {_STATUS_ZH[answer.status]}] confidence {answer.confidence:.2f}"]
    if answer.status == "unsure":
        lines.append(
            "我不確定答案，可以幫您轉給招生承辦人員。" if answer.lang == "zh"
            else "I am not sure; I can pass your question to the admissions staff."
        )
    elif answer.answer:
        lines.append(answer.answer)
    if answer.entry_id:
        lines.append(f"entry: {answer.entry_id} (round {answer.round})")
    lines.extend(f"source: {s['doc']} / {s['section']}" for s in answer.sources)
    if answer.candidates:
        lines.append("candidates: " + ", ".join(answer.candidates))
    return "\n".join(lines)


def ask(
    question: Annotated[str, typer.Argument(help="The question; '-' reads one question per line from stdin.")],
    round_id: Annotated[
        str | None, typer.Option("--round", help="Round known from the applicant's registration.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (default: detect).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per question.")] = False,
) -> None:
    """Answer a question from the knowledge base (問答)."""
    if lang not in (None, "zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    kb = _load()
    if round_id is not None and round_id not in {r.id for r in kb.rounds}:
        raise typer.BadParameter(f"unknown round {round_id!r}; see `assistant rounds`", param_hint="--round")
    questions = (line.strip() for line in sys.stdin) if question == "-" else iter([question])
    for text in questions:
        if not text:
            continue
        answer = kb.ask(text, round_id=round_id, lang=lang)
        if as_json:
            typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            typer.echo(_render(answer) + ("\n" if question == "-" else ""))


def rounds(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rounds as JSON.")] = False,
) -> None:
    """List the admission rounds the knowledge base knows (招生梯次)."""
    kb = _load()
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in kb.rounds], ensure_ascii=False))
        return
    for rnd in kb.rounds:
        typer.echo(f"{rnd.id}\t{rnd.name_zh}\t{rnd.name_en}")
