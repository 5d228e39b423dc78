"""Every text the bot shows, in Traditional Chinese and English. `t(lang, key, **values)` picks one."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "start": (
        "您好！我是招生助理 🤖\n我可以：\n• 回答報名、繳費、上傳、推薦函、考試與放榜等問題（直接輸入問題即可）\n"
        "• /serial 查詢報名序號\n• /login 綁定報名資料後，/status 查看繳費與上傳狀態、/recommenders 管理推薦人\n"
        "• /reminders 期限提醒開關\n• /lang English\n需要協助時，我會把問題轉給招生承辦人員。",
        "Hello! I am the admissions assistant 🤖\nI can:\n• answer questions about registration, fees, uploads, "
        "recommendation letters, exams and results (just type your question)\n• /serial find your registration "
        "serial number\n• /login link your registration, then /status for payment and uploads, /recommenders for "
        "your recommenders\n• /reminders deadline reminders on or off\n• /lang 中文\nWhen I cannot help, I pass "
        "your question to the admissions staff.",
    ),
    "help": (
        "指令：\n/serial 查詢報名序號\n/login 綁定報名資料　/logout 解除綁定\n/status 繳費與上傳狀態\n"
        "/recommenders 推薦人與重寄邀請\n/reminders on|off 期限提醒\n/lang 切換語言\n/cancel 取消目前步驟\n"
        "其他問題請直接輸入。",
        "Commands:\n/serial find your serial number\n/login link your registration  /logout unlink\n"
        "/status payment and uploads\n/recommenders recommenders and resending invitations\n"
        "/reminders on|off deadline reminders\n/lang switch language\n/cancel stop the current step\n"
        "For anything else, just type your question.",
    ),
    "staff_help": (
        "承辦人員指令：/broadcast 發送公告　/broadcast_status 公告寄送狀況　/handoffs 待回覆問題　/stats 統計\n"
        "回覆轉介訊息即可把答案送給考生。",
        "Staff commands: /broadcast send an announcement  /broadcast_status delivery  /handoffs open questions  "
        "/stats statistics\nReply to a handoff message to answer the applicant.",
    ),
    "lang_set": ("已切換為中文。", "Switched to English."),
    "cancelled": ("已取消。", "Cancelled."),
    "nothing_to_cancel": ("目前沒有進行中的步驟。", "There is nothing to cancel."),
    "source": ("資料來源", "Source"),
    "choose_round": ("這題的答案依招生類別而不同，請問您報考哪一個？", "The answer depends on the admission round. Which one?"),
    "unsure": (
        "抱歉，這個問題我沒有把握回答正確。要把問題轉給招生承辦人員嗎？",
        "Sorry, I am not sure I can answer that correctly. Shall I pass your question to the admissions staff?",
    ),
    "ask_staff": ("轉給承辦人員", "Ask the staff"),
    "handoff_done": ("已轉給承辦人員，回覆後我會通知您。", "Passed on to the staff; I will send you their answer."),
    "handoff_gone": ("找不到這個問題，請重新輸入。", "I cannot find that question any more; please ask again."),
    "vote_thanks": ("謝謝您的回饋！", "Thank you for the feedback!"),
    "personal_login": (
        "這是您個人的報名資料。請先用 /login 綁定報名資料（需要報名序號、身分證字號、出生日期及寄到報名信箱的驗證碼），"
        "之後 /status 就能查看。忘記序號請用 /serial。",
        "That is about your own registration. Link it first with /login (serial number, national ID, date of birth "
        "and a code sent to your registration email); then /status shows it. Forgot the serial? Use /serial.",
    ),
    "personal_serial": ("查詢報名序號請用 /serial。", "To find your serial number, use /serial."),
    "ask_id": (
        "請輸入身分證字號（外籍人士請輸入居留證號碼）。\n為保護個資，我會立刻刪除您傳來的號碼。/cancel 取消",
        "Please type your national ID number (foreign residents: resident certificate number).\nI delete the "
        "message right away to protect your data. /cancel to stop",
    ),
    "ask_birth_month": ("請輸入出生年月，例如 79/03 或 1990-03。", "Please type your year and month of birth, e.g. 1990-03 or 79/03."),
    "ask_birth_date": ("請輸入出生日期，例如 79/03/15 或 1990-03-15。", "Please type your date of birth, e.g. 1990-03-15 or 79/03/15."),
    "ask_serial": ("請輸入報名序號，例如 MD0026。/cancel 取消", "Please type your registration serial number, e.g. MD0026. /cancel to stop"),
    "bad_serial": ("報名序號格式不對，應為英文字母加數字，例如 MD0026。", "That does not look like a serial number (letters and digits, e.g. MD0026)."),
    "id_format": ("號碼格式不對：應為 1 個英文字母加 9 位數字（居留證為 2 個英文字母加 8 位數字）。",
                  "Wrong format: one letter and 9 digits (resident certificates: 2 letters and 8 digits)."),
    "id_checksum": ("號碼的檢查碼不符，請再確認一次。", "The check digit does not match; please check the number."),
    "date_format": ("日期格式看不懂，請輸入例如 79/03/15、民國79年3月15日 或 1990-03-15。",
                    "I cannot read that date; please write e.g. 1990-03-15, 79/03/15 or 民國79年3月15日."),
    "impossible": ("沒有這個日期，請再確認。", "There is no such date; please check it."),
    "locked": ("嘗試錯誤次數過多，請於 {until} 後再試。", "Too many failed attempts; please try again after {until}."),
    "serial_not_found": ("查無符合的報名資料，請確認身分證字號與出生年月。",
                         "No registration matches; please check the ID number and month of birth."),
    "serial_found": ("您的報名資料：", "Your registrations:"),
    "code_sent": (
        "驗證碼已寄到 {email}，10 分鐘內有效。請輸入 6 位數驗證碼。",
        "A code was sent to {email}; it is valid for 10 minutes. Please type the 6 digits.",
    ),
    "not_matched": ("報名序號、身分證字號與出生日期不相符。", "The serial number, ID number and date of birth do not match."),
    "other_person": ("這個 Telegram 帳號已綁定另一位考生的資料，不能再綁定別人的報名。",
                     "This Telegram account is linked to another applicant; it cannot link someone else's registration."),
    "already_linked": ("這筆報名已經綁定了。/status 查看狀態", "That registration is already linked. /status to see it."),
    "linked": ("綁定成功：{serial}。/status 查看狀態", "Linked: {serial}. /status to see it."),
    "wrong_code": ("驗證碼不對，還可以再試 {left} 次。", "Wrong code; {left} tries left."),
    "code_expired": ("驗證碼已過期，請重新 /login。", "The code has expired; please /login again."),
    "too_many_tries": ("驗證碼錯誤太多次，請重新 /login。", "Too many wrong codes; please /login again."),
    "no_pending": ("目前沒有待驗證的綁定，請先 /login。", "No link is waiting for a code; please /login first."),
    "not_linked": ("您還沒有綁定報名資料，請先 /login。", "You have not linked a registration yet; please /login first."),
    "pick_registration": ("請選擇報名資料：", "Which registration?"),
    "logged_out": ("已解除綁定 {count} 筆報名資料。", "Unlinked {count} registration(s)."),
    "unlink_all": ("全部解除", "Unlink all"),
    "no_recommenders": ("這個系所組別不需要推薦函。", "This program does not ask for recommendation letters."),
    "no_recommenders_yet": ("尚未新增推薦人。", "No recommenders have been added yet."),
    "resend_button": ("重寄邀請給 {name}", "Resend invitation to {name}"),
    "resend_ask_message": ("要附上一段給推薦人的話嗎？（500 字以內）直接輸入，或按「不附留言」。",
                           "Add a short message for the recommender (up to 500 characters)? Type it, or press “No message”."),
    "no_message": ("不附留言", "No message"),
    "resend_confirm": ("確定要重寄邀請給 {name} 嗎？", "Resend the invitation to {name}?"),
    "confirm": ("確定", "Confirm"),
    "cancel": ("取消", "Cancel"),
    "resend_ok": ("已重寄邀請給 {name}。", "The invitation to {name} has been resent."),
    "refuse_completed": ("推薦人已完成推薦函，無法重寄。", "The recommender has completed the letter; resending is disabled."),
    "refuse_declined": ("推薦人已婉拒，無法重寄。", "The recommender declined; the invitation cannot be resent."),
    "refuse_past_deadline": ("已超過推薦函截止時間，無法重寄。", "The recommendation deadline has passed."),
    "refuse_too_soon": ("每位推薦人 24 小時內只能重寄一次，{when} 後可再寄。",
                        "An invitation can be resent once per 24 hours; next possible after {when}."),
    "refuse_undeliverable": ("推薦人的信箱無法投遞，請聯絡招生承辦人員。",
                             "The recommender's email address bounced; please contact the admissions office."),
    "refuse_message_too_long": ("留言超過 500 字，請縮短。", "The message is longer than 500 characters; please shorten it."),
    "refuse_not_owner": ("只能管理自己的推薦人。", "You can only manage your own recommenders."),
    "refuse_not_found": ("找不到這位推薦人。", "That recommender cannot be found."),
    "reminders_on": ("期限提醒：開啟 ✅", "Deadline reminders: on ✅"),
    "reminders_off": ("期限提醒：關閉 ⏸", "Deadline reminders: off ⏸"),
    "reminders_usage": ("用 /reminders on 或 /reminders off 切換。", "Use /reminders on or /reminders off."),
    "staff_only": ("這個指令只限招生承辦人員使用。", "This command is for admissions staff only."),
    "bc_ask_text": ("請輸入公告內容（4000 字以內）。/cancel 取消", "Please type the announcement (up to 4000 characters). /cancel to stop"),
    "bc_ask_segment": ("要發給誰？", "Who should receive it?"),
    "bc_ask_round": ("哪一個招生類別？", "Which round?"),
    "bc_ask_program": ("請輸入「招生類別/系所代碼」，例如 ntut115-inservice/260。", "Type ROUND/PROGRAM-CODE, e.g. ntut115-inservice/260."),
    "bc_preview": ("將發給 {chats} 個 Telegram 對話與 {emails} 個電子郵件信箱。預覽：\n\n{text}",
                   "This reaches {chats} Telegram chats and {emails} email addresses. Preview:\n\n{text}"),
    "bc_bad_segment": ("無法使用這個對象：{error}", "That audience does not work: {error}"),
    "bc_queued": ("公告 #{id} 已排入寄送。/broadcast_status 查看進度", "Announcement #{id} is queued. /broadcast_status for progress"),
    "bc_status": ("公告 #{id}：對象 {recipients}，已送出 {sent}，待送 {pending}，失敗 {failed}，已封鎖 {blocked}",
                  "Announcement #{id}: audience {recipients}, sent {sent}, pending {pending}, failed {failed}, blocked {blocked}"),
    "bc_none": ("還沒有公告。", "No announcements yet."),
    "seg_all": ("所有考生", "Everyone"),
    "seg_round": ("某招生類別", "A round"),
    "seg_program": ("某系所組別", "A program"),
    "seg_unpaid": ("尚未繳費", "Not paid"),
    "seg_missing_uploads": ("資料未上傳齊全", "Missing uploads"),
    "seg_recommenders_pending": ("推薦函未完成", "Letters pending"),
    "handoff_staff": ("❓ 轉介 #{id}（{asker_lang}）{serial}\n{question}\n\n回覆這則訊息即可回答考生。",
                      "❓ Handoff #{id} ({asker_lang}) {serial}\n{question}\n\nReply to this message to answer."),
    "handoff_answered": ("已把回覆送給考生（轉介 #{id}）。", "The answer is on its way to the applicant (handoff #{id})."),
    "handoff_unknown": ("這則訊息不是轉介問題，無法回覆給考生。", "That message is not a handoff; nothing was sent."),
    "handoffs_none": ("沒有待回覆的問題。", "No open questions."),
    "handoff_answer": ("招生承辦人員回覆您的問題「{question}」：\n\n{answer}",
                       "The admissions staff answered your question “{question}”:\n\n{answer}"),
    "stats": ("報名 {regs} 筆；已綁定 {linked} 人；今天提問 {today} 則，回答 {share:.0%}。\n最常無法回答的問題：\n{unsure}",
              "Registrations {regs}; linked users {linked}; questions today {today}, answered {share:.0%}.\n"
              "Most frequent unanswered questions:\n{unsure}"),
    "stats_none": ("（無）", "(none)"),
    "broadcast_message": ("📢 招生公告\n\n{text}", "📢 Admissions announcement\n\n{text}"),
    "recommender_completed": ("✉️ 推薦人 {name} 已完成推薦函（{serial}）。", "✉️ {name} has completed the recommendation letter ({serial})."),
    "recommender_declined": ("✉️ 推薦人 {name} 婉拒撰寫推薦函（{serial}）。您可以聯絡其他推薦人。",
                             "✉️ {name} declined to write the letter ({serial}). You may ask someone else."),
    "too_long": ("訊息太長了，請精簡後再問（500 字以內）。", "That message is too long; please keep it under 500 characters."),
    "unknown_command": ("看不懂這個指令，/help 列出可用指令。", "I do not know that command; /help lists them."),
    "error": ("抱歉，系統暫時出了點問題，請稍後再試。", "Sorry, something went wrong on our side; please try again later."),
}


def t(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang` (zh unless en), with values filled in."""
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
