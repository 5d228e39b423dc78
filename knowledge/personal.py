"""Recognising questions about the applicant's own data ("did I pass", "what is my serial").

Those are never answered from the brochures: the bot sends them to its status features. The rule is about
the shape of the question, not its words:

- an OWNER: the first person (我, 本人, my, I), or the office addressed as the receiver of the applicant's
  things (你們有收到嗎, did you receive), or no subject at all when the question checks whether a step of
  the applicant's own process has happened ("報名費繳了嗎 有收到嗎": nobody asks that about a stranger);
- a STATE question: whether a step has happened (V了嗎 / V了沒, 有沒有 V, 有 V ... 嗎, has my ... been,
  did you receive, am I, did I pass), what one's own value is (是多少, 是幾號, what is my), one's result or
  progress (我的結果, 進度, 狀態), what is still missing (還差哪些沒傳), which of two outcomes is one's own
  (我是正取還是備取), or why one's own record misbehaves (為什麼我的 ... 一直鎖住);
- and NOT a question about how, when or whether one may do something (怎麼, 可以, 需要, 多久, 如果, how,
  can I, when): those are brochure questions even in the first person ("我要怎麼繳費", "how do I upload my
  documents", "我可以找誰當推薦人"), unless the applicant asks us to look it up (幫我查, can you check).

The kind (the status feature to use) is taken from the clause holding the state question first, then the
whole question, the more specific feature winning.
"""

from __future__ import annotations

import re
from typing import Literal

PersonalKind = Literal["serial", "payment", "uploads", "recommenders", "review", "status"]

_B = r"(?<![a-z])"  # English word boundaries (the text is folded: lower case, no punctuation)
_E = r"(?![a-z])"

_RECOMMENDER_WORDS = r"推薦|recommend|referee|reference letter"
# Checked in this order: the more specific feature wins ("my recommender's upload" is about recommenders).
_KINDS: tuple[tuple[PersonalKind, str], ...] = (
    ("recommenders", _RECOMMENDER_WORDS),
    ("serial", r"序號|報名編號|准考證號|serial|registration number|application number|applicant number"),
    ("payment", r"繳費|付款|繳款|匯款|轉帳|入帳|到帳|報名費|費用|付錢|繳錢|交錢|的錢|帳號|繳了|"
                rf"{_B}(?:pay|paid|payment|fee|fees|transfer|money|account number|virtual account){_E}"),
    ("review", r"錄取|考上|上榜|榜單|通過|審查結果|審核結果|資格審查|合格|落榜|沒上(?!傳|去)|備取|正取|過了|有沒有過|有過|"
               rf"{_B}(?:pass|passed|admit|admitted|accept|accepted|reject|rejected|result|results|"
               r"qualif\w*|waitlist|waitlisted|waiting list|wait list|get in|got in|make it|made it)" + _E),
    ("uploads", r"上傳|傳上去|傳成功|傳了|檔案|照片|相片|文件|資料|證件|身分證|"
                rf"{_B}(?:upload|uploaded|uploads|file|files|document|documents|photo|photos){_E}"),
    ("status", r"報名狀態|報名成功|報好|報上|報名了|報到了|狀態|進度|"
               rf"{_B}(?:status|register|registered|registration|application|signed up){_E}"),
)
_KIND_RES = tuple((kind, re.compile(pattern)) for kind, pattern in _KINDS)

_FIRST_PERSON = re.compile(rf"我|本人|{_B}(?:i|my|me|mine|im|ive|myself){_E}")
# Someone else as the subject: "我想知道隔壁鄰居有沒有考上" is not about the applicant's own record (the
# recommender, 推薦人 / 老師, is part of it: "我的推薦人交了沒").
_THIRD = re.compile(
    r"他|她|鄰居|朋友|同學|室友|別人|其他人|其他考生|學長|學姊|學姐|學弟|學妹|男友|女友|"
    rf"{_B}(?:he|she|his|her|hers|they|their|friend|friends|someone|somebody|others){_E}"
)

# "他交了沒" in a question about one's recommender is about the recommender, who is part of one's own record.
_RECOMMENDER = re.compile(_RECOMMENDER_WORDS)
_RECOMMENDER_PRONOUN = re.compile(rf"^(?:他|她|{_B}(?:he|she|his|her|they|their){_E})$")
_VALUE = re.compile(r"^(?:是多少|是幾號|是什麼|是啥|第幾|幾號)$")

# Steps of the applicant's own process whose completion one asks about.
_DONE = (
    r"(?:收到|入帳|到帳|繳|交|傳|寄到|送出|送到|成功|通過|過|錄取|考上|上榜|落榜|完成|審核|審查|處理|弄好|寫好|"
    r"填好|報名|上去|沒上(?!傳|去))"
)
_RECEIPT = r"(?:收到|入帳|到帳|寄到|送到|送出|成功)"
_PARTICLE = r"(?:嗎|沒有?|呢|與否)"

_STATE_ZH = (
    rf"了{_PARTICLE}|"  # perfective check: 繳了嗎, 交了沒, 寫好了沒 (not 準備好了, which tells)
    rf"(?:有沒有|有無|是否|有否|是不是)[^ ]{{0,4}}?{_DONE}|"  # 有沒有(被)錄取, 是否已經收到
    rf"有(?:被)?{_DONE}[^ ]{{0,6}}?{_PARTICLE}|"  # 有收到我的錢嗎, 有傳成功嗎
    rf"{_DONE}[^ ]{{0,2}}{_PARTICLE}$|"  # 收到沒, 成功嗎 at the end of the question
    r"是多少|是幾號|是什麼|是啥|第幾|幾號|"  # one's own value
    r"結果|狀態|進度|到哪了|到哪一步|到哪個階段|回覆|"  # one's result or progress
    r"還差|還缺|還少|缺哪|缺什麼|少了|還有[^ ]{0,6}?沒|哪[^ ]{0,6}?沒|沒[^ ]{0,2}?(?:傳|交|繳)|"  # what is missing
    r"還是|"  # which of two outcomes: 我是正取還是備取
    r"鎖住|鎖定|不能|無法|沒辦法|失敗|一直|顯示"  # one's own record misbehaving (with 為什麼, see _WHY)
)
_STATE_EN = (
    r"did you|have you|has anyone|do you have my|got my|received my|receive my|"
    r"has my|have my|is my|are my|was my|were my|did my|"
    r"am i|was i|were i|have i been|did i|did i get|what is my|whats my|what are my|whats the status|"
    r"check my|show me my|tell me my|or not|yet|already|still missing|not uploaded|havent|hasnt"
)
_STATE = re.compile(rf"{_STATE_ZH}|{_B}(?:{_STATE_EN}){_E}")
# Without a stated owner only a check that a step of one's own process has happened counts.
_IMPLIED = re.compile(
    rf"{_RECEIPT}[^ ]{{0,3}}?{_PARTICLE}|(?:有沒有|是否)[^ ]{{0,3}}?{_RECEIPT}|"
    rf"(?:繳|交|傳|寄)(?:費|錢|款|件|出去)?了{_PARTICLE}|"
    rf"{_B}(?:did you (?:guys )?(?:receive|get)|have you (?:guys )?(?:received|got|gotten)){_E}"
)
# Words of trouble (一直, 不能, 鎖住) and "還是" are a state question only about one's own record: after 為什麼
# ("為什麼我的上傳一直鎖住") or right after the first person ("我是正取還是備取").
_WEAK = re.compile(r"^(?:還是|鎖住|鎖定|不能|無法|沒辦法|失敗|一直|顯示)$")
_WHY = re.compile(rf"為什麼|為何|怎麼會|{_B}why{_E}")
_OWN_OUTCOME = re.compile(r"(?:我|本人)(?:是|有|被|在)?(?:正取|備取|錄取|落榜|上榜|合格|通過)")

# Asking how to do something, when, or whether something is allowed, is a brochure question even in the
# first person; "幫我查" (look it up for me) is not.
_HOW_TO = re.compile(
    r"怎麼(?!會)|怎(?:看|查|弄|辦|知道)|怎樣|如何|哪裡|在哪|去哪|哪個(?:畫面|頁面|網頁|網站|地方)|哪一頁|"
    r"方法|步驟|流程|規定|可以|可不可以|能不能|能否|需要|需不需要|要不要|"
    r"多久|什麼時候|何時|幾時|月幾號|幾號(?=[^ ]{0,2}(?:公布|放榜|開始|截止|考|報到|寄|開放))|幾點|哪一?天|"
    r"如果|要是|萬一|假如|會不會|會通知|通知我|"
    rf"要[^ ]{{0,2}}?{_DONE}|要按|"  # obligation: 也要傳照片嗎, 要按送出嗎
    r"就是有|就代表|代表|表示|才算|就算|算不算|這樣算|這樣就|"  # what counts as what: 這樣算報名成功了嗎
    rf"{_B}(?:does (?:that|this|it) mean|count as|counts as){_E}|"
    rf"{_B}(?:how|where|when|can i|could i|should i|if i|if my|do i need|do i have to|have to|need to|must|"
    r"which|may i|will i|will my|will you|what should|what do i do|what happens|still need|"
    r"can still|still can|allowed|eligible|qualified)" + _E
)
_FOR_ME = re.compile(
    r"(?:幫|替|給)我(?:查|看|確認|問)|查一下|確認一下|看一下我|"
    rf"{_B}(?:can you|could you|please) (?:check|confirm|look|see|tell me){_E}|{_B}look up my{_E}"
)


def _state(folded: str) -> re.Match[str] | None:
    """The state question of `folded`, if any; weak ones only with 為什麼 or right after the first person."""
    for match in _STATE.finditer(folded):
        if not _WEAK.match(match.group()):
            return match
        if _WHY.search(folded) or _OWN_OUTCOME.search(folded):
            return match
    return None


def personal_kind(folded: str) -> PersonalKind | None:
    """The status feature a question about one's own data needs, or None for a general question.

    `folded` is the output of Normalizer.fold (lower case, Traditional script, no punctuation), so the
    patterns are written in Traditional characters only.
    """
    if _HOW_TO.search(folded) and not _FOR_ME.search(folded):
        return None
    owner = _FIRST_PERSON.search(folded)
    asked = _FOR_ME.search(folded) if owner else None  # "幫我查": a kind word must then say what
    state = (_state(folded) or asked) if owner else None
    if state is None:
        state = _IMPLIED.search(folded)
        if state is None:
            return None
    if any(not _RECOMMENDER_PRONOUN.match(third.group()) or not _RECOMMENDER.search(folded)
           for third in _THIRD.finditer(folded, 0, state.start())):  # fmt: skip
        return None
    start = folded.rfind(" ", 0, state.start()) + 1
    end = folded.find(" ", state.end())
    clause = folded[start : end if end >= 0 else len(folded)]
    for text in (clause, folded):
        for kind, pattern in _KIND_RES:
            if pattern.search(text):
                return kind
    # Without a word for what it is, "what is the value" is not about one's record ("聯絡電話幾號 我想打去問").
    return "status" if owner and state is not asked and not _VALUE.match(state.group()) else None
