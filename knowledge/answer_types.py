"""Answer-type check: what kind of fact a question asks for, and whether an answer gives one.

Many questions ask for a fact of one kind: an amount of money (多少錢, 費用多少, how much), a length of
time (多久, 幾分鐘, how long), a date or a time of day (什麼時候, 幾號, 幾點, when, what time), a place
(哪裡, 在哪, where), a count (幾個, 幾位, how many) or a phone number (電話幾號, phone number). When the best
entry's answer holds no fact of that kind, it is most likely about the same words but another question
("面試一個人幾分鐘" against the entry giving the interview's date), and the answer is better "unsure".

`wanted(folded)` reads the question (folded: Traditional script, lower case, punctuation removed, see
`Normalizer.fold`); `given(answer)` reads an answer's text (Traditional, as written in the entries, or a
brochure paragraph). An answer saying the brochure does not give the fact ("簡章沒有寫開放時間", "the manual
does not say when") answers any kind: the applicant learns that the fact is not published. The check fails
only when none of the kinds asked for is given.
"""

from __future__ import annotations

import re
import unicodedata

MONEY, DURATION, LONG, MINUTES, DATE, CLOCK, PLACE, COUNT, PHONE = (
    "money", "duration", "long", "minutes", "date", "clock", "place", "count", "phone",
)
# Kinds only an answer gives: a length (一千字以內), a time relative to a step (報到時), an announcement to come.
LENGTH, RELATIVE, ANNOUNCED = "length", "relative", "announced"
# The brochure is silent on it: such an answer is fine for any question.
UNSTATED = "unstated"

_NUM = r"(?:\d+(?:\.\d+)?|[一二兩三四五六七八九十百千半幾]+)"
_EN_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|half an?)"
_EN = r"(?<![a-z])"  # English words start at a word boundary
_EN_END = r"(?![a-z])"

# --- what the question asks for (on folded text) ---------------------------------------------------------

_QUESTION: dict[str, re.Pattern[str]] = {
    MONEY: re.compile(
        r"多少錢|幾塊|幾元|多少元|價錢|價格|(?:費|錢)(?:用)?(?:是|要|大概|大約|共|總共)?多少"
        r"|(?:繳|付|交|收|花)(?:了)?多少(?!時間|天|次|份|張|個|人)"
        rf"|{_EN}(?:how much(?! time| longer| space| storage| data| mb| size| weight)|cost|costs|price){_EN_END}"
    ),
    # 幾分鐘 / 幾小時: a short length of time, which a date does not answer.
    MINUTES: re.compile(
        r"幾(?:個)?(?:分鐘|小時|鐘頭)|多少(?:分鐘|小時|個小時)"
        rf"|{_EN}how many (?:minutes|mins|hours|hrs){_EN_END}"
        # how long an interview or an exam lasts (not how long one has to do something)
        rf"|{_EN}how long (?:is|are|does|do|will|would) (?:[a-z]+ ){{0,4}}?(?:interview|exam|test)s?"
        r"(?= take| last| usually| for each| per|$)"
    ),
    DURATION: re.compile(
        r"多久|多長時間|多少時間|幾天|幾日|幾個工作天|幾週|幾周|幾個禮拜|幾個星期|幾個月|幾年(?!級|度)|幾個學期|幾學期"
        rf"|{_EN}(?:how much time|how many (?:days|weeks|months|years|semesters)){_EN_END}"
    ),
    # "how long": a time ("how long is the interview") or a length ("how long is the autobiography").
    LONG: re.compile(rf"{_EN}how long{_EN_END}"),
    CLOCK: re.compile(rf"幾點|什麼時間|{_EN}what time{_EN_END}"),
    DATE: re.compile(
        r"什麼時候|何時|哪一天|哪天|(?<!話|機|碼)(?<!話是|機是|碼是)幾號|幾月|哪一日|哪個時間|日期是|時間是"
        rf"|^when{_EN_END}|{_EN}(?:when (?:is|are|was|were|does|do|did|will|can|could|should|must|would|shall|"
        rf"may)|what (?:date|day)|which (?:date|day)|by when|until when){_EN_END}"
    ),
    PLACE: re.compile(
        r"哪裡|哪裏|在哪|去哪|哪邊|何處|什麼地方|哪個地方|地點|地址"
        rf"|^where{_EN_END}|{_EN}where (?:is|are|was|were|do|does|did|can|could|should|must|will|would|to){_EN_END}"
    ),
    COUNT: re.compile(
        r"幾(?:個(?!月|小時|鐘頭|禮拜|星期|工作天|學期)|位|人|名|間|份|張|封|次|科|項|所|系|組|題|頁|種|門|件|年級)"
        r"|多少(?:人|個|位|名|份|張|封|次|科|項|所|系)"
        rf"|{_EN}how many(?! (?:minutes|mins|hours|hrs|days|weeks|months|years|semesters)){_EN_END}"
    ),
    PHONE: re.compile(
        r"電話(?:號碼)?(?:是)?(?:幾號|多少|幾)|(?:聯絡|連絡)電話(?:是)?(?:幾號|多少|幾|呢|$)|分機(?:是)?(?:幾號|多少|幾)"
        r"|打(?:電話)?給(?:誰|哪)"
        rf"|{_EN}(?:(?:what|which|whats) (?:is |s )?(?:the |your )?(?:phone|telephone|contact) number|"
        rf"(?:phone|telephone|contact) number (?:of|for)|what number|number to call|"
        rf"who (?:do|should|can) i (?:call|phone)){_EN_END}"
    ),
}

# --- what an answer gives (on NFKC, lower-cased text) -----------------------------------------------------

_MONTHS = (
    "january|february|march|april|june|july|august|september|october|november|december"  # not "may"
    "|jan|feb|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri"
_IMMEDIATE = (
    r"立即|立刻|即時|隨時|馬上|當天|當日|隔天|隔日|次日|翌日"
    rf"|{_EN}(?:immediately|instantly|right away|at once|same day|next day|any time|anytime|real time){_EN_END}"
)

_GIVEN: dict[str, re.Pattern[str]] = {
    MONEY: re.compile(
        r"\d\s*元|元整|新[臺台]幣|塊錢|免費|免繳|免收|不收費|不用錢|減免|%|％"
        rf"|{_EN}(?:nt\$?|ntd|twd|usd|dollars?|free|waive[ds]?|waiver){_EN_END}|nt\$|\$\s*\d"
    ),
    MINUTES: re.compile(
        rf"{_NUM}\s*(?:個)?(?:分鐘|小時|鐘頭)|半小時|{_EN}{_EN_NUM}[ -]?(?:minutes?|mins?|hours?|hrs?){_EN_END}"
    ),
    # Not the parts of a date: 105年07月04日 holds 105年, 07月 and 04日, none of them a length of time.
    DURATION: re.compile(
        rf"(?<![\d月年/]){_NUM}\s*(?:個)?(?:分鐘|小時|鐘頭|天|日(?!期)|工作天|週|周|星期|禮拜|月|年(?!級|度)|學年|學期|秒)"
        r"(?!\s*\d)"
        rf"|{_EN}{_EN_NUM}[ -]?(?:minutes?|mins?|hours?|hrs?|days?|working days?|weeks?|months?|years?|"
        rf"semesters?|seconds?){_EN_END}|{_IMMEDIATE}"
        # the answer names the length of time it is about (工作年資, 修業年限)
        r"|年資|年限|時數|時程"
    ),
    CLOCK: re.compile(
        r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\s*(?:點|時)|[上下]午|中午|晚上|凌晨|早上|夜間|日間"
        rf"|{_EN}(?:\d{{1,2}}\s*(?:am|pm|a\.m\.|p\.m\.)|noon|midnight|o'?clock|morning|afternoon|evening){_EN_END}"
        rf"|{_IMMEDIATE}"
    ),
    DATE: re.compile(
        r"\d+\s*年\s*\d+\s*月|\d+\s*月\s*\d+\s*日|\d{1,4}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{1,2})?"
        r"|星期[一二三四五六日天]|週[一二三四五六日]|禮拜[一二三四五六日天]|[上下]旬|月底|月初|年底|學期"
        rf"|{_NUM}\s*(?:個)?(?:工作天|天|日|週|星期|月|年)(?:內|前|後|以內|之內)"
        rf"|前一天|前一日|{_IMMEDIATE}|{_EN}(?:{_MONTHS}|{_WEEKDAYS}){_EN_END}"
    ),
    # A time relative to a step of the process: 報到時, 面試當天, 截止前, after registering. It answers "when",
    # not "how long".
    RELATIVE: re.compile(
        r"之前|以前|之後|以後|期間|截止|[前後]"
        r"|(?:報到|錄取|註冊|入學|面試|口試|考試|應試|報名|繳費|放榜|開學|上傳|寄件|申請)(?:時(?!間|段|數)|的時候|當天|當日)"
        rf"|{_EN}(?:before|after|until|within|during|by the|upon){_EN_END}"
    ),
    PLACE: re.compile(
        r"地址|地點|[路街段巷弄號樓室館廳處組站]|大樓|教室|校區|校本部|辦公室|櫃[檯台]|中心|[市區縣]|臺北|台北"
        r"|系統|網站|網頁|網址|頁面|選單|專區|功能|按鈕|連結|郵局|超商|便利商店|銀行|atm|學校|本校|系所|現場|上傳|項目|欄位"
        r"|http|www\.|\.tw|\.com"
        rf"|{_EN}(?:room|building|floor|road|rd|street|st|lane|office|hall|campus|station|website|site|page|menu|"
        rf"system|portal|online|link|button|tab|bank|store|shop|post office|school|university|taipei|address|"
        rf"counter|desk|section|upload|item|field){_EN_END}"
    ),
    COUNT: re.compile(
        r"\d|人數|名額|次數|數量|number of|[一二兩三四五六七八九十百千]\s*(?:個|位|人|名|間|份|張|封|次|科|項|所|系|組|題|頁|種|門|件|年級|學分)"
        r"|不限|無上限|沒有上限|沒有限制|無限制|均可|皆可"
        rf"|{_EN}(?:one|two|three|four|five|six|seven|eight|nine|ten|single|both|once|twice|unlimited|"
        rf"no limit|any number){_EN_END}"
    ),
    # A length: 一千字以內, 8 字元, 2 pages, 5MB.
    LENGTH: re.compile(
        rf"{_NUM}\s*(?:字|字元|個字|頁|張|公分|cm|mm|kb|mb)"
        rf"|{_EN}{_EN_NUM}[ -]?(?:words?|characters?|pages?|cm|mm|kb|mb){_EN_END}"
    ),
    # The time will be announced (面試報到時間於本校網站公告): it answers "when", not "how much".
    ANNOUNCED: re.compile(
        r"於[^。；]{0,40}(?:公告|公布)|(?:另行|另)(?:公告|公布|通知)"
        rf"|{_EN}(?:will be|is) (?:announced|posted|published){_EN_END}"
    ),
    PHONE: re.compile(
        r"\(?0\d{1,3}\)?\s*[-‐]?\s*\d{3,4}\s*[-‐]?\s*\d{3,4}|分機|轉\s*\d{3,4}|@|傳真|信箱|電子郵件"
        rf"|{_EN}(?:ext|extension|e-?mail|fax){_EN_END}"
    ),
}

_UNSTATED = re.compile(
    r"沒有(?:寫|提|列|說明|規定|載明|註明|明定|提供|公布|說)|未(?:載明|說明|規定|提及|提到|列出|列明|註明|明定|提供|公布|寫)"
    r"|不另(?:行)?(?:通知|公告)|另行(?:通知|公告)|另訂|另定|以.{0,12}(?:公告|簡章|通知)為準"
    rf"|{_EN}(?:does not|doesn't|do not|don't|did not) (?:say|state|give|list|specify|mention|set|publish)"
    rf"|not (?:stated|specified|given|listed|published|mentioned){_EN_END}"
)

# What an answer says is not published, by the nouns around the words saying so ("沒有寫口試費金額與期限": an
# amount and a date; "面試時間、地點另行公告": a time and a place). Only those kinds are answered by it: a
# question asking how long the interview lasts is not. Without such a noun it answers any kind.
_UNSTATED_NOUNS: dict[str, re.Pattern[str]] = {
    MONEY: re.compile(rf"金額|費用|收費|多少錢|{_EN}(?:amount|fee|fees|cost|price){_EN_END}"),
    DATE: re.compile(rf"日期|時間|期限|時程|何時|哪天|{_EN}(?:date|dates|time|deadline|when|schedule){_EN_END}"),
    CLOCK: re.compile(rf"時間|幾點|{_EN}(?:time|hours){_EN_END}"),
    PLACE: re.compile(rf"地點|地址|場地|場所|教室|{_EN}(?:where|place|venue|location|room){_EN_END}"),
    MINUTES: re.compile(rf"時長|多久|長度|幾分鐘|{_EN}(?:how long|duration|length){_EN_END}"),
    DURATION: re.compile(rf"時長|多久|長度|天數|{_EN}(?:how long|duration|length){_EN_END}"),
    COUNT: re.compile(rf"人數|名額|數量|{_EN}(?:how many|number of){_EN_END}"),
    PHONE: re.compile(rf"電話|分機|{_EN}(?:phone|telephone){_EN_END}"),
}
_SENTENCE_END = re.compile(r"[。；;\n]|\.\s")
# Sending the applicant to another document for it tells where to look: "在哪裡可以看到報名費金額".
_REFERRAL = re.compile(rf"以[^。；]{{0,40}}為準|請依|詳見|請見|見(?:招生)?簡章|參閱|{_EN}(?:see|refer to|check) the{_EN_END}")

# A wanted kind is also satisfied by these (a date answers "how long until ..."; a clock time is a time).
_ACCEPTS: dict[str, tuple[str, ...]] = {
    MONEY: (MONEY,),
    MINUTES: (MINUTES,),
    DURATION: (DURATION, DATE, ANNOUNCED),
    LONG: (DURATION, DATE, LENGTH, ANNOUNCED),
    CLOCK: (CLOCK, ANNOUNCED),
    DATE: (DATE, CLOCK, DURATION, RELATIVE, ANNOUNCED),
    PLACE: (PLACE,),
    COUNT: (COUNT,),
    PHONE: (PHONE,),
}


def wanted(folded: str) -> frozenset[str]:
    """The kinds of fact the question (folded text) asks for; empty when it asks for none in particular."""
    kinds = {kind for kind, pattern in _QUESTION.items() if pattern.search(folded)}
    if MINUTES in kinds:
        kinds -= {DURATION, LONG}  # 幾個小時: the finer kind decides
    if CLOCK in kinds:
        kinds.discard(DATE)
    return frozenset(kinds)


def given(text: str) -> frozenset[str]:
    """The kinds of fact an answer's text contains (plus UNSTATED when it says the brochure is silent)."""
    text = unicodedata.normalize("NFKC", text).lower()
    kinds = {kind for kind, pattern in _GIVEN.items() if pattern.search(text)}
    unstated = list(_UNSTATED.finditer(text))
    for match in unstated:
        sentence = _sentence(text, match)
        named = {kind for kind, nouns in _UNSTATED_NOUNS.items() if nouns.search(sentence)}
        kinds |= named or {UNSTATED}
    if unstated and _REFERRAL.search(text):
        kinds.add(PLACE)
    return frozenset(kinds)


def _sentence(text: str, match: re.Match[str]) -> str:
    """The sentence of `text` holding `match`."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())]
    stop = _SENTENCE_END.search(text, match.end())
    return text[ends[-1] if ends else 0 : stop.start() if stop else len(text)]


def answers(wanted_kinds: frozenset[str], given_kinds: frozenset[str]) -> bool:
    """True when an answer with `given_kinds` can answer a question asking for `wanted_kinds`.

    A question asking for nothing in particular, or an answer saying the fact is not published, always can;
    otherwise at least one of the kinds asked for must be given.
    """
    if not wanted_kinds or UNSTATED in given_kinds:
        return True
    return any(kind in given_kinds for want in wanted_kinds for kind in _ACCEPTS[want])
