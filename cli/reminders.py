"""`assistant reminders plan|run-once`: what the deadline reminders would send (masked), and sending what is due."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cli.common import fail, open_context, parse_moment, run_async, settings_or_exit
from workflows.clock import FixedClock, to_local
from workflows.context import Context
from workflows.linking import mask_email
from workflows.reminder_rules import ReminderRulesError
from workflows.reminders import Batch, plan
from workflows.scheduler import ReminderScheduler

reminders_app = typer.Typer(help="Deadline reminders (期限提醒).", no_args_is_help=True)


def mask_recipient(channel: str, recipient: str) -> str:
    """`email a****e@example.com` or `telegram ****4321`: enough to recognise, not to contact."""
    if channel == "email":
        return f"email {mask_email(recipient)}"
    return f"telegram ****{recipient[-4:]}"


def _batch_json(batch: Batch) -> dict[str, Any]:
    o = batch.occasion
    return {
        "rule": o.rule.id, "round": o.round_id, "deadline_id": o.deadline_id, "deadline": o.rule.deadline,
        "date": to_local(o.moment).isoformat(), "outcome": batch.outcome, "reason": batch.reason,
        "unreachable": batch.unreachable,
        "messages": [
            {"serial": m.payload.get("serial"), "to": mask_recipient(m.channel, m.recipient),
             "send_at": to_local(m.not_before).isoformat() if m.not_before else "now", "late": m.payload.get("late")}
            for m in batch.messages
        ],
    }  # fmt: skip


def _print_batch(batch: Batch, limit: int) -> None:
    o = batch.occasion
    channels = {c: sum(m.channel == c for m in batch.messages) for c in ("telegram", "email")}
    what = "DROP" if batch.outcome == "drop" else "send"
    typer.echo(f"{what} {o.rule.id} [{o.round_id}] {o.rule.deadline} {to_local(o.moment):%Y-%m-%d %H:%M}: "
               f"{len(batch.messages)} (telegram {channels['telegram']}, email {channels['email']}), "
               f"unreachable {batch.unreachable}" + (f" - {batch.reason}" if batch.reason else ""))  # fmt: skip
    for m in batch.messages[:limit]:
        when = f"at {to_local(m.not_before):%Y-%m-%d %H:%M}" if m.not_before else "now"
        late = " (late)" if m.payload.get("late") else ""
        typer.echo(f"  {m.payload.get('serial', '')}  {mask_recipient(m.channel, m.recipient)}  {when}{late}")
    if len(batch.messages) > limit:
        typer.echo(f"  ... and {len(batch.messages) - limit} more")


@reminders_app.command("plan")
@run_async
async def plan_command(
    at: Annotated[str | None, typer.Option("--at", help="the moment to plan for, Taipei time (default: now)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="every reminder as JSON")] = False,
    limit: Annotated[int, typer.Option(help="recipients listed per rule")] = 20,
) -> None:
    """Print what a run would send and to whom (masked), without sending or writing anything."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        planning = ctx if at is None else Context(ctx.db, ctx.settings, FixedClock(parse_moment(at, "--at")))
        moment = planning.clock.now()
        try:
            batches = [batch async for batch in plan(planning)]
        except ReminderRulesError as exc:
            raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps({"at": to_local(moment).isoformat(), "batches": [_batch_json(b) for b in batches]},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    typer.echo(f"reminders due at {to_local(moment):%Y-%m-%d %H:%M} (Asia/Taipei)")
    for batch in batches:
        _print_batch(batch, limit)
    if not batches:
        typer.echo("nothing due")


@reminders_app.command("run-once")
@run_async
async def run_once_command() -> None:
    """Write the reminders and the staff digest that are due now to the outbox (the senders deliver them)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        try:
            report = await ReminderScheduler(ctx).run_once()
        except ReminderRulesError as exc:
            raise fail(str(exc)) from None
    typer.echo(f"{report.enqueued} reminder(s) enqueued ({report.late} late), {report.dropped} dropped, "
               f"{report.unreachable} unreachable, {report.digests} digest(s)")  # fmt: skip
    for rule, count in sorted(report.by_rule.items()):
        typer.echo(f"  {rule}: {count}")
