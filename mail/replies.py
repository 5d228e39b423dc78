"""Routing one incoming message: machines are never answered (a bounce of our mail marks the address),
a reply key leads to the recommender flow, anything else is an applicant's question.

The Message-ID is recorded in the same transaction as every effect (store changes, outbox rows, held mail),
so a message handed over twice (a crash before the IMAP move, a UIDVALIDITY change) acts once. Answers are
outbox rows; at most one automatic answer goes to an address per hour, which ends mail loops.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from knowledge import Answer, KnowledgeBase
from mail.classify import Classification, classify
from mail.extract import Attachment, ParsedMail, parse_message
from mail.outbox_sender import outbox_id
from mail.pdf_check import PdfCheck, check_pdf
from mail.reply_keys import find_reply_key
from workflows import outbox
from workflows.context import Context
from workflows.handoffs import add_handoff
from workflows.identity import redact_ids
from workflows.mail_state import (
    MailRecord,
    bounced_addresses,
    hold_mail,
    mark_undeliverable,
    record_processed,
    registrations_of_address,
    take_auto_reply,
)
from workflows.questions import AskedQuestion, add_question
from workflows.recommender_replies import ReplyTarget, bounced_notices, complete, decline, find_target
from workflows.status import status_report
from workflows.status_text import render_status

log = logging.getLogger(__name__)

DECLINE = re.compile(
    r"(?<![a-z])(decline|declining|unable to recommend|cannot recommend|can't recommend)(?![a-z])"
    r"|拒絕|婉拒|無法推薦|无法推荐|不克推薦|恕難推薦|不便推薦",
    re.IGNORECASE,
)
MAX_HELD_RAW = 30 * 1024 * 1024
MAX_QUESTION = 1000
_DOCUMENT_TYPES = ("application/", "text/rtf")


@dataclass(frozen=True)
class MailConfig:
    """What routing needs to know about the office's addresses and storage."""

    reply_base: str  # the address reply keys are added to (MAIL_REPLY_ADDRESS, else MAIL_FROM)
    own_addresses: tuple[str, ...]
    letters_dir: Path
    folder: str = "INBOX"
    staff_email: str | None = None
    staff_chat_id: int | None = None

    @property
    def held_dir(self) -> Path:
        """Where held messages are kept whole for staff, beside the letters."""
        return self.letters_dir.parent / "held-mail"


def is_decline(text: str) -> bool:
    """Whether a recommender's reply (quotes stripped) says no."""
    return bool(DECLINE.search(text))


def letter_attachment(attachments: tuple[Attachment, ...]) -> Attachment | None:
    """The attachment meant as the letter: a PDF by type or name, else any document (checked and refused)."""
    for attachment in attachments:
        if attachment.content_type == "application/pdf" or attachment.filename.lower().endswith(".pdf"):
            return attachment
    # Images are usually signature logos; a Word file or the like is a letter in the wrong format.
    return next((a for a in attachments if a.content_type.startswith(_DOCUMENT_TYPES)), None)


def _key(prefix: str, message_id: str) -> str:
    return f"{prefix}:{hashlib.sha256(message_id.encode()).hexdigest()[:40]}"


class MailRouter:
    """The receiver's handler: one call per incoming message."""

    def __init__(self, ctx: Context, kb: KnowledgeBase, config: MailConfig,
                 wakeup: asyncio.Event | None = None) -> None:  # fmt: skip
        self.ctx = ctx
        self.kb = kb
        self.config = config
        self.wakeup = wakeup or asyncio.Event()

    async def __call__(self, uid: int, raw: bytes) -> None:
        """The ``mail.receiver.Handler`` signature."""
        await self.route(uid, raw)

    async def route(self, uid: int, raw: bytes) -> str:
        """Handle one raw message; returns the outcome recorded (``duplicate`` when already handled)."""
        parsed = parse_message(raw)
        verdict = classify(parsed, self.config.own_addresses)
        record = MailRecord(parsed.message_id, self.config.folder, uid, parsed.from_addr, verdict.kind)
        handling = _Handling(self, parsed, raw, record)
        if verdict.is_machine:
            outcome = await handling.machine(verdict)
        else:
            key = find_reply_key(parsed, self.config.reply_base)
            outcome = await (handling.recommender(key) if key else handling.question())
        log.info("mail UID %s from %s: %s (%s)", uid, parsed.from_addr or "<>", outcome, verdict.reason)
        if outcome != "duplicate":
            self.wakeup.set()
        return outcome


class _AlreadyHandled(Exception):
    """Another run recorded the message first: everything this run did is rolled back."""


class _Handling:
    """One message on its way through the router; each path commits in one transaction (see ``_commit``)."""

    def __init__(self, router: MailRouter, parsed: ParsedMail, raw: bytes, record: MailRecord) -> None:
        self.ctx, self.kb, self.config = router.ctx, router.kb, router.config
        self.parsed, self.raw, self.record = parsed, raw, record
        self.now: datetime = self.ctx.clock.now()

    async def _commit(self, effects: Callable[[AsyncSession], Awaitable[str]]) -> str:
        """Run ``effects`` and record the Message-ID with their outcome in the same transaction.

        The record goes last, so a message handled before (a re-delivery after a crash, a UIDVALIDITY
        re-scan, a second worker) conflicts on the unique Message-ID and its effects are rolled back.
        """
        try:
            async with self.ctx.db.transaction() as session:
                outcome = await effects(session)
                if not await record_processed(session, self.record, outcome, self.now):
                    raise _AlreadyHandled
                return outcome
        except _AlreadyHandled:
            return "duplicate"

    # -- machines ---------------------------------------------------------------------------------------------

    async def machine(self, verdict: Classification) -> str:
        return await self._commit(lambda session: self._machine_effects(session, verdict))

    async def _machine_effects(self, session: AsyncSession, verdict: Classification) -> str:
        bounce = verdict.bounce
        if verdict.kind != "bounce" or bounce is None or bounce.action != "failed" or not bounce.permanent:
            return "ignored"
        addresses = await bounced_addresses(
            session, outbox_id(bounce.original_message_id), list(bounce.recipients)
        )
        if not addresses:
            return "bounce_unmatched"
        marks = await mark_undeliverable(session, addresses)
        if not marks.applicants and not marks.recommenders:
            return "bounce_nobody_to_mark"  # an asker who is in no registration, or an address marked before
        for rec in marks.recommenders:
            target = ReplyTarget("open", rec.id, rec.name, "", rec.registration_id, rec.serial)
            await outbox.enqueue(session, await bounced_notices(session, target), self.now)
        await self._tell_staff(
            session, "退信 Bounce",
            f"以下地址無法投遞，已標記為無效：\nThese addresses bounce and are now marked undeliverable:\n"
            f"{', '.join(addresses)}\n{bounce.status or ''} {bounce.diagnostic or ''}".strip(),
        )  # fmt: skip
        return "bounce_marked"

    # -- recommenders -----------------------------------------------------------------------------------------

    async def recommender(self, reply_key: str) -> str:
        attachment = letter_attachment(self.parsed.attachments)
        checked = await asyncio.to_thread(check_pdf, attachment.data) if attachment else None

        async def effects(session: AsyncSession) -> str:
            target = await find_target(session, reply_key, self.parsed.from_addr, self.now)
            return await self._recommender_effects(session, target, attachment, checked)

        return await self._commit(effects)

    async def _recommender_effects(self, session: AsyncSession, target: ReplyTarget, attachment: Attachment | None,
                                   checked: PdfCheck | None) -> str:  # fmt: skip
        if target.verdict in ("unknown_key", "wrong_sender", "completed", "declined"):
            # Never answered: a stranger must not learn whose invitation the key belongs to.
            await self._hold(session, target.verdict, target.recommender_id)
            return f"held_{target.verdict}"
        payload = {"name": target.recommender_name, "applicant": target.applicant_name,
                   "deadline": target.deadline.isoformat() if target.deadline else None}  # fmt: skip
        if target.verdict == "past_deadline":
            await self._hold(session, "late", target.recommender_id)
            await self._answer(session, "reply_too_late", payload)
            return "held_late"
        if attachment is not None and checked is not None:
            if not checked.ok:
                await self._hold(session, f"letter_{checked.reason_code}", target.recommender_id)
                await self._answer(
                    session, "reply_letter_problem", {**payload, "reason": checked.reason_code}
                )
                return f"letter_{checked.reason_code}"
            path = await asyncio.to_thread(self._store_letter, target, attachment.data)
            if not await complete(session, target, str(path), self.now):
                return "already_answered"
            await self._answer(session, "reply_thanks", payload)
            return "completed"
        if is_decline(self.parsed.reply_text or self.parsed.subject):
            if not await decline(session, target, self.now):
                return "already_answered"
            await self._answer(session, "reply_declined", payload)
            return "declined"
        await self._answer(session, "reply_choices", payload)
        return "explained"

    def _store_letter(self, target: ReplyTarget, data: bytes) -> Path:
        """Write the letter under LETTERS_DIR/<serial>/; the name holds a hash, so a retry rewrites one file."""
        folder = self.config.letters_dir / (target.serial or "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"recommender-{target.recommender_id}-{hashlib.sha256(data).hexdigest()[:12]}.pdf"
        if not path.exists():
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        return path

    # -- applicants -------------------------------------------------------------------------------------------

    async def question(self) -> str:
        parsed = self.parsed
        text = (parsed.reply_text or parsed.subject).strip()[:MAX_QUESTION]

        async def effects(session: AsyncSession) -> str:
            if not text:
                await self._hold(session, "empty", None)
                return "held_empty"
            mine = await registrations_of_address(session, parsed.from_addr)
            rounds = {r.round_id for r in mine}
            if self._follows_our_answer():
                # "Reply if this does not answer your question": a person, not the matcher, looks at it.
                answer = Answer("unsure", "", parsed.lang)
            else:
                answer = self.kb.ask(
                    text, round_id=rounds.pop() if len(rounds) == 1 else None, lang=parsed.lang
                )
            lang = answer.lang if answer.lang in ("zh", "en") else parsed.lang
            asked = AskedQuestion("email", parsed.from_addr, text, lang, answer.status, answer.entry_id, answer.round,
                                  answer.confidence)  # fmt: skip
            await add_question(session, asked, self.now)
            statuses = []
            if answer.status == "personal":
                for registration in mine:
                    report = await status_report(self.ctx, registration.registration_id)
                    if report is not None:
                        statuses.append(render_status(report, lang))
            return await self._question_effects(session, text, answer, lang, statuses)

        return await self._commit(effects)

    def _follows_our_answer(self) -> bool:
        """Whether the message answers mail we sent (its thread names one of our outbox Message-IDs)."""
        return any(outbox_id(ref) is not None for ref in (self.parsed.in_reply_to, *self.parsed.references))

    async def _question_effects(self, session: AsyncSession, text: str, answer: Answer, lang: str,
                                statuses: list[str]) -> str:  # fmt: skip
        payload: dict[str, Any] = {"question": redact_ids(text)}
        if answer.status == "answered":
            payload.update(answer=answer.answer, quote=answer.quote, source=self._source(answer, lang))
            await self._answer(session, "reply_faq", payload, lang=lang)
            return "answered"
        if answer.status == "personal":
            if statuses:
                await self._answer(session, "reply_status", payload, lang=lang, body="\n\n".join(statuses))
                return "status_sent"
            await self._answer(session, "reply_personal_unknown", payload, lang=lang)
            return "personal_refused"
        handoff = (await add_handoff(session, channel="email", asker=self.parsed.from_addr, lang=lang,
                                     question=text, serial=None, now=self.now)).id  # fmt: skip
        await self._tell_staff(session, f"轉介 Handoff #{handoff}",
                               f"{self.parsed.from_addr} ({lang}):\n{redact_ids(text)}", handoff_id=handoff)  # fmt: skip
        await self._answer(session, "reply_forwarded", payload, lang=lang)
        return "forwarded"

    def _source(self, answer: Answer, lang: str) -> str:
        if not answer.sources:
            return ""
        section = str(answer.sources[0].get("section", ""))
        if answer.round and answer.round != "all":
            known = self.kb.round(answer.round)
            return f"{known.name_zh if lang == 'zh' else known.name_en} — {section}"
        return section

    # -- shared effects ---------------------------------------------------------------------------------------

    async def _answer(self, session: AsyncSession, template: str, payload: dict[str, Any], *, lang: str = "zh",
                      body: str | None = None) -> None:  # fmt: skip
        """Queue the automatic answer to this message, unless the sender had one within the hour."""
        sender = self.parsed.from_addr
        if not sender or not await take_auto_reply(session, sender, self.now):
            log.info("no automatic answer to %s: one was sent within the hour", sender or "<>")
            return
        parsed = self.parsed
        thread = {} if parsed.message_id_synthetic else {
            "in_reply_to": parsed.message_id, "references": [*parsed.references[-8:]]}  # fmt: skip
        # A recommender's answers keep the reply key, so that their next reply is routed the same way.
        key = find_reply_key(parsed, self.config.reply_base)
        full = {**payload, **thread, "subject": parsed.subject, "reply_key": key}
        await outbox.enqueue(
            session,
            [outbox.NewMessage("email", sender, _key("reply", parsed.message_id), template, full, body=body,
                               lang=lang, urgent=True)],
            self.now,
        )  # fmt: skip

    async def _hold(self, session: AsyncSession, reason: str, recommender_id: int | None) -> None:
        """Keep the message for staff (the whole of it as a file, within a size cap) and tell them."""
        parsed = self.parsed
        raw_path = await asyncio.to_thread(self._keep_raw) if len(self.raw) <= MAX_HELD_RAW else None
        held = await hold_mail(
            session, reason=reason, message_id=parsed.message_id, sender=parsed.from_addr, subject=parsed.subject,
            text=parsed.text, now=self.now, recommender_id=recommender_id, raw_path=raw_path,
        )  # fmt: skip
        await self._tell_staff(
            session, f"待處理郵件 Held mail #{held} ({reason})",
            f"寄件者 From: {parsed.from_addr}\n主旨 Subject: {redact_ids(parsed.subject)}\n"
            f"原因 Reason: {reason}\n\n{redact_ids(parsed.reply_text)[:2000]}",
        )  # fmt: skip

    def _keep_raw(self) -> str:
        folder = self.config.held_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(self.raw).hexdigest()[:24]}.eml"
        path.write_bytes(self.raw)
        return str(path)

    async def _tell_staff(self, session: AsyncSession, title: str, body: str, **extra: Any) -> None:
        """A note to the staff mailbox and the staff chat, where configured (``extra`` goes in the payload,
        e.g. the handoff id)."""
        key = _key("staff", f"{self.record.message_id}:{title}")
        payload = {"title": title, **extra}
        messages = []
        if self.config.staff_email:
            messages.append(outbox.NewMessage("email", self.config.staff_email, f"{key}:mail", "staff_notice",
                                              payload, body=body))  # fmt: skip
        if self.config.staff_chat_id is not None:
            messages.append(outbox.NewMessage("telegram", str(self.config.staff_chat_id), f"{key}:tg",
                                              "staff_notice", payload, body=f"📮 {title}\n{body}"))  # fmt: skip
        await outbox.enqueue(session, messages, self.now)
