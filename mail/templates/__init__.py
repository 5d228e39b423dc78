"""Email templates: every outbox row's template name maps to one function here (zh-TW first, English below)."""

from __future__ import annotations

from mail.templates import answers, notices
from mail.templates.invitation import invitation
from mail.templates.layout import RenderedMail
from workflows.outbox import Claimed

__all__ = ["RenderedMail", "UnknownTemplate", "invitation", "render"]

APPLICANT_NOTICES = ("recommender_completed", "recommender_declined", "recommender_bounced")
RECOMMENDER_ANSWERS = {
    "reply_choices": answers.recommender_choices,
    "reply_thanks": answers.recommender_thanks,
    "reply_declined": answers.recommender_declined,
    "reply_too_late": answers.recommender_too_late,
    "reply_letter_problem": answers.recommender_letter_problem,
}
APPLICANT_ANSWERS = {
    "reply_faq": answers.faq_answer,
    "reply_forwarded": answers.forwarded,
    "reply_personal_unknown": answers.personal_unknown,
}


class UnknownTemplate(ValueError):
    """A row this adapter cannot render: marked failed, never sent half-made."""


def render(row: Claimed) -> RenderedMail:
    """Subject, text and HTML of an email row (the invitation needs the store: see ``invitation``)."""
    payload, body, lang = row.payload, row.body or "", row.lang
    try:
        if row.template == "login_code":
            return notices.login_code(payload)
        if row.template == "handoff_answer":
            return notices.handoff_answer(payload, body, lang)
        if row.template == "broadcast":
            return notices.broadcast(body)
        if row.template == "staff_notice":
            return notices.staff_notice(payload, body)
        if row.template in APPLICANT_NOTICES:
            return notices.applicant_notice(row.template, payload)
        if row.template.startswith("reminder"):
            return notices.reminder(payload, body)
        if row.template in RECOMMENDER_ANSWERS:
            return RECOMMENDER_ANSWERS[row.template](payload)
        if row.template in APPLICANT_ANSWERS:
            return APPLICANT_ANSWERS[row.template](payload, lang)
        if row.template == "reply_status":
            return answers.registration_status(payload, body, lang)
    except (KeyError, ValueError, TypeError) as exc:
        raise UnknownTemplate(f"{row.template}: bad payload ({exc!r})") from exc
    raise UnknownTemplate(row.template)
