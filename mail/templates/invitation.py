"""The invitation to a recommender: who asks, for which program and round, by when, and how to answer."""

from __future__ import annotations

from mail.pdf_check import MAX_LETTER_BYTES
from mail.templates.layout import Block, Quote, RenderedMail, bilingual
from workflows.recommenders import InvitationDetails
from workflows.status_text import when

LETTER_MAX_MB = MAX_LETTER_BYTES // (1024 * 1024)


def invitation(details: InvitationDetails, message: str | None, resend: bool) -> RenderedMail:
    """The invitation email, in Chinese then English; a resend carries the applicant's own message."""
    d = details
    zh: list[Block] = [
        f"{d.recommender_name} 您好：",
        f"{d.applicant_name} 報考「{d.round_zh}」{d.program_zh}（報名序號 {d.serial}），誠摯邀請您撰寫推薦函。",
    ]
    en: list[Block] = [
        f"Dear {d.recommender_name},",
        f"{d.applicant_name} has applied to {d.program_en}, {d.round_en} (registration {d.serial}) and asks you "
        "for a letter of recommendation.",
    ]
    if resend:
        zh.append("這是考生重新寄送的邀請。" + ("考生留言：" if message else ""))
        en.append("The applicant has sent this invitation again." + (" Their message:" if message else ""))
        if message:
            zh.append(Quote(message))
            en.append(Quote(message))
    if d.deadline is not None:
        label = f"（{d.deadline_label_zh}）" if d.deadline_label_zh else ""
        zh.append(f"推薦函截止時間：{when(d.deadline, 'zh')}（臺北時間）{label}")
        en.append(f"Deadline for the letter: {when(d.deadline, 'en')} (Taipei time)")
    zh += [
        "回覆方式：",
        f"1. 同意推薦：直接回覆本信，並附上推薦函 PDF 檔（{LETTER_MAX_MB} MB 以內）。\n"
        "2. 無法推薦：直接回覆本信，內容寫「拒絕」或「無法推薦」。",
        "請直接按「回覆」，不要更改收件地址：系統依回覆地址辨識您的推薦函。",
    ]
    en += [
        "How to answer:",
        f"1. To recommend: reply to this email with your letter attached as a PDF file (at most {LETTER_MAX_MB} MB).\n"
        "2. To decline: reply to this email with the word “decline”.",
        "Please use “Reply” and keep the address: it is how your letter is matched to the application.",
    ]
    return bilingual(f"推薦函邀請：{d.applicant_name}（{d.serial}）",
                     f"Invitation to recommend {d.applicant_name}", zh, en)  # fmt: skip
