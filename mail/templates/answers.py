"""Answers to incoming mail: to recommenders (bilingual) and to applicants' questions (in their language)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mail.templates.invitation import LETTER_MAX_MB
from mail.templates.layout import Block, Quote, RenderedMail, bilingual, page, reply_subject
from workflows.status_text import when

LETTER_PROBLEMS = {
    "too_big": (f"附件超過 {LETTER_MAX_MB} MB", f"the attachment is larger than {LETTER_MAX_MB} MB"),
    "not_pdf": ("附件不是 PDF 檔", "the attachment is not a PDF file"),
    "unreadable": ("附件的 PDF 檔已損毀，無法開啟", "the PDF file is damaged and cannot be opened"),
    "encrypted": ("附件的 PDF 檔設有密碼", "the PDF file is protected by a password"),
    "empty": ("附件的 PDF 檔沒有內容", "the PDF file has no pages"),
}


def _deadline(payload: dict[str, Any], lang: str) -> str:
    raw = payload.get("deadline")
    if not raw:
        return ""
    moment = when(datetime.fromisoformat(raw), lang)
    return f"截止時間：{moment}（臺北時間）。" if lang == "zh" else f"The deadline is {moment} (Taipei time)."


def recommender_choices(payload: dict[str, Any]) -> RenderedMail:
    """The reply was neither a letter nor a refusal: explain the two ways to answer."""
    name, applicant = payload["name"], payload["applicant"]
    return bilingual(
        reply_subject(payload["subject"]), "",
        [f"{name} 您好：", f"謝謝您的來信。關於 {applicant} 的推薦函，請以下列方式之一回覆本信：",
         f"1. 同意推薦：附上推薦函 PDF 檔（{LETTER_MAX_MB} MB 以內）。\n2. 無法推薦：內容寫「拒絕」或「無法推薦」。",
         _deadline(payload, "zh"), "其他問題請洽招生單位，本信箱由系統自動處理。"],
        [f"Dear {name},", f"Thank you for your email. To answer the request for {applicant}'s letter, please reply "
         "in one of two ways:",
         f"1. To recommend: attach your letter as a PDF file (at most {LETTER_MAX_MB} MB).\n"
         "2. To decline: write “decline”.",
         _deadline(payload, "en"), "For anything else please contact the admissions office; this mailbox is "
         "handled automatically."],
    )  # fmt: skip


def recommender_thanks(payload: dict[str, Any]) -> RenderedMail:
    """The letter arrived and was accepted."""
    name, applicant = payload["name"], payload["applicant"]
    return bilingual(
        reply_subject(payload["subject"]), "",
        [f"{name} 您好：", f"已收到您為 {applicant} 撰寫的推薦函，謝謝您撥冗協助。"],
        [f"Dear {name},", f"We have received your letter of recommendation for {applicant}. Thank you."],
    )  # fmt: skip


def recommender_declined(payload: dict[str, Any]) -> RenderedMail:
    """The refusal was recorded."""
    name, applicant = payload["name"], payload["applicant"]
    return bilingual(
        reply_subject(payload["subject"]), "",
        [f"{name} 您好：", f"已記錄您無法為 {applicant} 撰寫推薦函，並已通知考生。謝謝您的回覆。"],
        [f"Dear {name},", f"We have noted that you cannot write a letter for {applicant} and told the applicant. "
         "Thank you for letting us know."],
    )  # fmt: skip


def recommender_too_late(payload: dict[str, Any]) -> RenderedMail:
    """The reply came after the recommender deadline: refused politely, kept for staff."""
    name = payload["name"]
    return bilingual(
        reply_subject(payload["subject"]), "",
        [f"{name} 您好：", "很抱歉，推薦函的收件時間已經截止，系統無法再受理您的回覆。" + _deadline(payload, "zh"),
         "您的來信已轉交招生承辦人員；如有需要，他們會與您聯絡。"],
        [f"Dear {name},", "We are sorry: the deadline for letters has passed and your reply can no longer be "
         "accepted. " + _deadline(payload, "en"),
         "Your email has been passed to the admissions staff, who will contact you if needed."],
    )  # fmt: skip


def recommender_letter_problem(payload: dict[str, Any]) -> RenderedMail:
    """The attachment could not be accepted as the letter."""
    name = payload["name"]
    zh_reason, en_reason = LETTER_PROBLEMS.get(payload["reason"], LETTER_PROBLEMS["unreadable"])
    return bilingual(
        reply_subject(payload["subject"]), "",
        [f"{name} 您好：", f"謝謝您的來信，但推薦函無法受理：{zh_reason}。",
         f"請回覆本信並附上可正常開啟、{LETTER_MAX_MB} MB 以內、沒有密碼的 PDF 檔。" + _deadline(payload, "zh")],
        [f"Dear {name},", f"Thank you, but the letter could not be accepted: {en_reason}.",
         f"Please reply to this email with a PDF file of at most {LETTER_MAX_MB} MB that opens without a password. "
         + _deadline(payload, "en")],
    )  # fmt: skip


def _question_blocks(payload: dict[str, Any], lang: str) -> list[Block]:
    intro = "您的問題：" if lang == "zh" else "You asked:"
    return [intro, Quote(payload["question"])]


def faq_answer(payload: dict[str, Any], lang: str) -> RenderedMail:
    """An answer from the knowledge base, quoting the question, with its source."""
    blocks = _question_blocks(payload, lang)
    if payload.get("quote"):
        blocks.append("以下摘自簡章原文：" if lang == "zh" else "From the brochure:")
    blocks.append(payload["answer"])
    if payload.get("source"):
        blocks.append(("資料來源：" if lang == "zh" else "Source: ") + payload["source"])
    blocks.append("若這不是您要問的，請直接回覆本信，我們會轉交承辦人員。" if lang == "zh"
                  else "If this does not answer your question, reply to this email and we will pass it to staff.")  # fmt: skip
    return page(reply_subject(payload["subject"]), [(lang, blocks)])


def forwarded(payload: dict[str, Any], lang: str) -> RenderedMail:
    """The question went to staff."""
    blocks = [*_question_blocks(payload, lang),
              "系統無法確定答案，已將您的問題轉交招生承辦人員，他們會以電子郵件回覆您。" if lang == "zh"
              else "We could not answer this with certainty and have passed it to the admissions staff, who will "
              "reply by email."]  # fmt: skip
    return page(reply_subject(payload["subject"]), [(lang, blocks)])


def registration_status(payload: dict[str, Any], body: str, lang: str) -> RenderedMail:
    """A question about one's own registration, answered because the address is the one on file."""
    blocks = [
        *_question_blocks(payload, lang),
        "以下是您報名資料目前的狀態：" if lang == "zh" else "Here is where your registration stands:",
        body,
    ]
    return page(reply_subject(payload["subject"]), [(lang, blocks)])


def personal_unknown(payload: dict[str, Any], lang: str) -> RenderedMail:
    """A personal question from an address that is not on file: nothing about any registration is said."""
    blocks = [*_question_blocks(payload, lang),
              "為保護個人資料，報名資料只會回覆到報名時登記的電子郵件地址。請用該地址來信，或使用 Telegram 查詢。"
              if lang == "zh" else
              "To protect personal data we only answer questions about a registration to the email address given "
              "when registering. Please write from that address, or use our Telegram assistant."]  # fmt: skip
    return page(reply_subject(payload["subject"]), [(lang, blocks)])
