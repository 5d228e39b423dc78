"""The words of deadline reminders in Traditional Chinese and English.

Telegram gets the chat's language; email gets Chinese first, then English, with a bilingual subject.
Dates, deadline names and upload lines come from status_text, so reminders and /status say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from workflows.status import UploadStatus, days_left
from workflows.status_text import colon, deadline_name, paren, upload_line, when

EMAIL_RULE = "—" * 12
# One run writes thousands of reminders about the same few moments: format each moment once.
_when = lru_cache(maxsize=1024)(when)
_upload_line = lru_cache(maxsize=1024)(upload_line)


@dataclass(frozen=True)
class ReminderFacts:
    """Everything one reminder says: the date, the addressee and what is still to do."""

    template: str
    kind: str
    moment: datetime
    send_at: datetime
    label_zh: str
    label_en: str
    place: str | None
    serial: str
    person: str
    applicant: str
    program_zh: str
    program_en: str
    round_zh: str
    round_en: str
    amount: int | None = None
    uploads: tuple[UploadStatus, ...] = ()
    pending: tuple[tuple[str, datetime], ...] = ()  # recommenders not answered yet: name, last invited
    late_since: datetime | None = None  # set when the reminder goes out late: when it was due


@lru_cache(maxsize=1024)
def _left_between(moment: datetime, send_at: datetime, lang: str) -> str:
    days = days_left(moment, send_at)
    zh = {0: "今天", 1: "明天"}.get(days, f"剩 {days} 天")
    en = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
    return paren(zh if lang == "zh" else en, lang)


def _left(f: ReminderFacts, lang: str) -> str:
    return _left_between(f.moment, f.send_at, lang)


def _due(f: ReminderFacts, lang: str) -> str:
    return f"{deadline_name(f.kind, lang)}{colon(lang)}{_when(f.moment, lang)}{_left(f, lang)}"


def _head(f: ReminderFacts, lang: str, zh_title: str, en_title: str) -> str:
    program = f.program_zh if lang == "zh" else f.program_en
    return f"⏰ {zh_title if lang == 'zh' else en_title}｜{f.serial} {program}"


def _payment(f: ReminderFacts, lang: str) -> list[str]:
    if lang == "zh":
        return [_head(f, lang, "繳費提醒", "Fee reminder"), f"報名費 NT${f.amount or 0:,} 尚未繳費。", _due(f, lang),
                "逾期未繳費者，報名不成立。請登入報名系統下載繳費單；ATM／網路ATM／臨櫃繳費約2小時後可查詢，"
                "跨行匯款次日才會入帳。"]  # fmt: skip
    return [_head(f, lang, "繳費提醒", "Fee reminder"), f"The application fee of NT${f.amount or 0:,} is not paid yet.",
            _due(f, lang), "Without payment by then the registration is void. Download the payment slip from the "
            "registration system; ATM, web ATM and counter payments show after about 2 hours, interbank "
            "remittances only the next day."]  # fmt: skip


def _upload(f: ReminderFacts, lang: str) -> list[str]:
    zh = lang == "zh"
    lines = [_head(f, lang, "上傳提醒", "Upload reminder"), _due(f, lang), "尚未完成的項目：" if zh else "Still to do:"]
    lines += ["  " + _upload_line(u, lang) for u in f.uploads]
    if any(u.reason == "pay_first" for u in f.uploads):
        lines.append("🔒 的項目需先繳費，繳費入帳後即可上傳。" if zh else "Items marked 🔒 unlock once the fee shows as paid.")
    lines.append("截止後即無法上傳或補件。" if zh else "After the deadline nothing can be uploaded or added.")
    return lines


def _recommenders(f: ReminderFacts, lang: str) -> list[str]:
    zh = lang == "zh"
    lines = [_head(f, lang, "推薦函提醒", "Recommendation letters"), _due(f, lang),
             "尚未完成的推薦人：" if zh else "Recommenders who have not answered yet:"]  # fmt: skip
    for name, last in f.pending:
        sent = f"{'最後寄送' if zh else 'last sent'} {_when(last, lang)}"
        lines.append(f"  • {name}{paren(sent, lang)}")
    lines.append("可在 Telegram 招生助理輸入 /recommenders 重寄邀請，並附上簡短訊息。" if zh else
                 "You can resend an invitation with a short message: send /recommenders to the admissions assistant "
                 "on Telegram.")  # fmt: skip
    return lines


def _letter(f: ReminderFacts, lang: str) -> list[str]:
    if lang == "zh":
        return [f"{f.applicant} 報考「{f.round_zh} {f.program_zh}」，邀請您撰寫推薦函，目前尚未收到您的推薦函。",
                _due(f, lang), "請直接回覆本信並附上 PDF 推薦函（10 MB 以內）；若無法推薦，請回覆「婉拒」。"]  # fmt: skip
    return [f"{f.applicant} has applied to {f.program_en} ({f.round_en}) and asked you for a recommendation "
            "letter, which we have not received yet.", _due(f, lang),
            "Please reply to this email with the letter attached as a PDF (up to 10 MB); if you cannot write one, "
            "reply “decline”."]  # fmt: skip


def _event(f: ReminderFacts, lang: str) -> list[str]:
    zh = lang == "zh"
    name = deadline_name(f.kind, lang)
    lines = [_head(f, lang, f"{name}提醒", f"Reminder: {name}"), _due(f, lang)]
    if f.place:
        lines.append(f"{'地點' if zh else 'Place'}{colon(lang)}{f.place}")
    label = f.label_zh if zh else f.label_en
    if label:
        lines.append(f"{'簡章' if zh else 'Brochure'}{colon(lang)}{label}")
    return lines


RENDER = {
    "reminder_payment": _payment,
    "reminder_upload": _upload,
    "reminder_recommenders": _recommenders,
    "reminder_letter": _letter,
    "reminder_event": _event,
}
SUBJECTS = {
    "reminder_payment": ("繳費提醒", "Fee payment reminder"),
    "reminder_upload": ("資料上傳提醒", "Upload reminder"),
    "reminder_recommenders": ("推薦函提醒", "Recommendation letters reminder"),
    "reminder_letter": ("推薦函提醒", "Reminder: recommendation letter"),
}


def _late(f: ReminderFacts, lang: str) -> list[str]:
    if f.late_since is None:
        return []
    if lang == "zh":
        return [f"⚠️ 本提醒原定於 {_when(f.late_since, 'zh')} 發送，因系統暫停服務而延後送出，敬請見諒。"]
    return [f"⚠️ This reminder was due at {_when(f.late_since, 'en')}; it is late because the service was down."]


def telegram_text(f: ReminderFacts, lang: str) -> str:
    """The reminder as one Telegram message in the chat's language."""
    return "\n".join(RENDER[f.template](f, lang) + _late(f, lang))


def email_subject(f: ReminderFacts) -> str:
    """`【繳費提醒】MD0026 | Fee payment reminder`."""
    name_zh, name_en = deadline_name(f.kind, "zh"), deadline_name(f.kind, "en")
    zh, en = SUBJECTS.get(f.template, (f"{name_zh}提醒", f"Reminder: {name_en}"))
    return f"【{zh}】{f.serial} | {en}"


def email_text(f: ReminderFacts) -> tuple[str, str]:
    """Subject and body of the reminder email: Chinese first, then English."""
    zh = [f"{f.person} 您好：", ""] + RENDER[f.template](f, "zh") + _late(f, "zh")
    en = [f"Dear {f.person},", ""] + RENDER[f.template](f, "en") + _late(f, "en")
    footer = ["", "（本信由系統自動寄出；若您已完成，請忽略本信。）",
              "(This message was sent automatically; if you have already done this, please ignore it.)"]  # fmt: skip
    return email_subject(f), "\n".join(zh + ["", EMAIL_RULE, ""] + en + footer)
