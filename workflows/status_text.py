"""The status report as plain text in Traditional Chinese or English (Telegram, email and the terminal
all show the same words)."""

from __future__ import annotations

from datetime import datetime

from workflows.clock import to_local
from workflows.identity import format_english, format_roc
from workflows.status import StatusReport, UploadStatus

DEADLINE_NAMES = {
    "registration": ("報名截止", "Registration closes"),
    "payment": ("繳費截止", "Fee payment deadline"),
    "upload": ("資料上傳截止", "Upload deadline"),
    "document_mailing": ("表件郵寄截止", "Documents by post"),
    "recommender": ("推薦函截止", "Recommendation letters due"),
    "exam": ("筆試", "Written exam"),
    "interview": ("面試", "Interview"),
    "admission_ticket": ("准考證列印", "Admission ticket"),
    "review_result": ("資格審查結果公告", "Qualification review result"),
    "results": ("放榜", "Results"),
    "score_review": ("成績複查截止", "Score review deadline"),
    "checkin": ("報到", "Check-in"),
    "waitlist": ("備取遞補", "Waiting-list places"),
    "give_up": ("放棄錄取截止", "Last day to give up a place"),
}
REASONS = {
    "pay_first": ("需先繳費方可上傳", "pay the fee first"),
    "past_deadline": ("已逾上傳期限", "the upload deadline has passed"),
}
RECOMMENDER_STATES = {
    "invited": ("已邀請，尚未完成", "invited, not answered yet"),
    "completed": ("已完成", "completed"),
    "declined": ("已婉拒", "declined"),
}
def paren(text: str, lang: str) -> str:
    """Text in the brackets each language writes."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def colon(lang: str) -> str:
    """The colon each language writes."""
    return "：" if lang == "zh" else ": "


REVIEW = {"passed": ("符合報名資格", "eligible"), "failed": ("不符報名資格", "not eligible"), None: ("尚未公告", "not published yet")}


def when(moment: datetime, lang: str) -> str:
    """`115年01月05日（星期一）23:59` or `Monday, 5 January 2026, 23:59`, Taipei time."""
    local = to_local(moment)
    day = format_roc(local.date()) if lang == "zh" else format_english(local.date())
    return f"{day} {local:%H:%M}" if lang == "zh" else f"{day}, {local:%H:%M}"


def deadline_name(kind: str, lang: str) -> str:
    """The name of a kind of date."""
    zh, en = DEADLINE_NAMES.get(kind, (kind, kind))
    return zh if lang == "zh" else en


def upload_line(u: UploadStatus, lang: str) -> str:
    """One upload item: ✅ done with time / ⬜ missing / 🔒 locked and why / ⛔ closed."""
    name = u.name_zh if lang == "zh" else u.name_en
    if u.state == "done" and u.uploaded_at:
        return f"✅ {name}{colon(lang)}{'最後上傳' if lang == 'zh' else 'last uploaded'} {when(u.uploaded_at, lang)}"
    if u.state == "missing":
        return f"⬜ {name}{colon(lang)}{'尚未上傳' if lang == 'zh' else 'not uploaded yet'}"
    if u.reason == "needs_item":
        needs = u.needs_zh if lang == "zh" else u.needs_en
        why = f"需先上傳「{needs}」" if lang == "zh" else f"upload “{needs}” first"
    else:
        zh, en = REASONS.get(u.reason or "", (u.reason or "", u.reason or ""))
        why = zh if lang == "zh" else en
    icon = "🔒" if u.state == "locked" else "⛔"
    return f"{icon} {name}{colon(lang)}{why}"


def render_status(report: StatusReport, lang: str = "zh") -> str:
    """The whole report, short enough for one phone screen."""
    zh, c = lang == "zh", colon(lang)
    lines = [
        f"📋 {report.serial}｜{report.program_zh if zh else report.program_en}",
        report.round_zh if zh else report.round_en,
        "",
    ]
    pay = report.payment
    if pay is not None:
        if pay.paid and pay.paid_at:
            lines.append(f"💰 {'報名費' if zh else 'Fee'} NT${pay.amount:,}{c}"
                         f"{'已繳費' if zh else 'paid'} {when(pay.paid_at, lang)}")  # fmt: skip
        else:
            lines.append(
                f"💰 {'報名費' if zh else 'Fee'} NT${pay.amount:,}{c}{'未繳費' if zh else 'NOT paid'}"
                + paren(f"{'繳費帳號' if zh else 'account'} {pay.account_masked}", lang)
            )
            lines.append("   " + ("請登入報名系統下載繳費單；ATM／網路ATM／臨櫃繳費約2小時後可查詢，跨行匯款次日。"
                                  if zh else "Download the payment slip from the registration system; ATM, web ATM "
                                  "and counter payments show after about 2 hours, interbank remittances the next day."))  # fmt: skip
    if report.uploads:
        lines += ["", "📎 " + ("上傳項目" if zh else "Uploads")]
        lines += ["  " + upload_line(u, lang) for u in report.uploads]
    zh_review, en_review = REVIEW.get(report.review_result, REVIEW[None])
    lines += ["", f"🔎 {'報名資格審查結果' if zh else 'Qualification review'}{c}{zh_review if zh else en_review}"]
    if report.recommenders or report.recommenders_max:
        lines += ["", "✉️ " + ("推薦人" if zh else "Recommenders")]
        for r in report.recommenders:
            state_zh, state_en = RECOMMENDER_STATES.get(r.status, (r.status, r.status))
            sent = f"{'最後寄送' if zh else 'last sent'} {when(r.last_invited_at, lang)}"
            lines.append(f"  • {r.name}{c}{state_zh if zh else state_en}{paren(sent, lang)}")
        if not report.recommenders:
            lines.append("  " + ("尚未新增推薦人" if zh else "no recommenders added yet"))
    if report.deadlines:
        lines += ["", "⏰ " + ("接下來的期限" if zh else "Next deadlines")]
        for d in report.deadlines[:5]:
            left = (f"（剩 {d.days_left} 天）" if zh else f" ({d.days_left} days left)") if d.days_left > 0 else (
                "（今天）" if zh else " (today)")  # fmt: skip
            lines.append(f"  • {deadline_name(d.kind, lang)}{c}{when(d.due_at, lang)}{left}")
    return "\n".join(lines)
