"""Emails the workflows write on their own: login codes, staff answers, broadcasts, notices to applicants and
staff, and reminders (whose whole text the reminder planner has already written)."""

from __future__ import annotations

from typing import Any

from mail.templates.layout import Block, Quote, RenderedMail, as_written, bilingual, page


def login_code(payload: dict[str, Any]) -> RenderedMail:
    """The one-time code that links a Telegram chat to a registration."""
    code, serial, name, minutes = payload["code"], payload["serial"], payload["name"], payload["minutes"]
    return bilingual(
        f"登入驗證碼 {code}", f"Your login code {code}",
        [f"{name} 您好：", f"您的 Telegram 登入驗證碼（報名序號 {serial}）：{code}",
         f"驗證碼 {minutes} 分鐘內有效，只能使用一次。若不是您本人操作，請忽略本信。"],
        [f"Dear {name},", f"Your Telegram login code (registration {serial}): {code}",
         f"The code is valid for {minutes} minutes and can be used once. If you did not ask for it, ignore this email."],
    )  # fmt: skip


def handoff_answer(payload: dict[str, Any], body: str, lang: str) -> RenderedMail:
    """A staff member's answer to a question the assistant passed on (the answer in the words staff wrote)."""
    question = payload.get("question", "")
    zh: list[Block] = ["您先前的問題：", Quote(question), "招生承辦人員的回覆：", body]
    en: list[Block] = ["Your question:", Quote(question), "The admissions office answers:", body]
    subject = ("回覆您的問題", "Answer to your question")
    sections = [("zh", zh), ("en", en)] if lang != "en" else [("en", en), ("zh", zh)]
    return page(f"{subject[0]} {subject[1]}", sections)


def broadcast(body: str) -> RenderedMail:
    """A staff announcement, copied to applicants who have no Telegram link (staff write it in one text)."""
    return page(
        "招生公告 Admissions announcement",
        [("zh", [body]), ("en", ["The announcement above is from the admissions office."])],
    )


def applicant_notice(template: str, payload: dict[str, Any]) -> RenderedMail:
    """Tells an applicant without a linked chat that a recommender completed, declined, or cannot be reached."""
    name, serial = payload.get("name", ""), payload.get("serial", "")
    texts = {
        "recommender_completed": (
            f"推薦人已完成推薦函（{serial}）", f"Recommendation letter completed ({serial})",
            f"推薦人 {name} 已完成您的推薦函（報名序號 {serial}）。",
            f"{name} has completed your recommendation letter (registration {serial}).",
        ),
        "recommender_declined": (
            f"推薦人婉拒撰寫推薦函（{serial}）", f"A recommender declined ({serial})",
            f"推薦人 {name} 婉拒撰寫推薦函（報名序號 {serial}）。您可以在報名系統改請其他推薦人。",
            f"{name} declined to write your letter (registration {serial}). You may ask someone else.",
        ),
        "recommender_bounced": (
            f"推薦信邀請無法送達（{serial}）", f"Invitation undeliverable ({serial})",
            f"寄給推薦人 {name} 的邀請無法送達（報名序號 {serial}）。請確認電子郵件地址，必要時改請其他推薦人。",
            f"The invitation to {name} could not be delivered (registration {serial}). Please check the address, "
            "or ask someone else.",
        ),
    }  # fmt: skip
    subject_zh, subject_en, zh, en = texts[template]
    return bilingual(subject_zh, subject_en, [zh], [en])


def staff_notice(payload: dict[str, Any], body: str) -> RenderedMail:
    """A note to the office mailbox (held mail, bounces, questions passed on); staff read Chinese first."""
    return page(f"[招生助理] {payload.get('title', '通知')}", [("zh", [body])])


def reminder(payload: dict[str, Any], body: str) -> RenderedMail:
    """A reminder as the planner wrote it (Chinese then English already)."""
    return as_written(payload.get("subject") or "提醒 Reminder", body)
