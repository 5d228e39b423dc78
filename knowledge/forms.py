"""Forms of question no brochure answers, whatever words they are made of.

Off-topic subjects are listed in scope.yaml; these are *shapes* of question, recognised on folded text
(Traditional script, lower case, punctuation removed):

- an opinion or a comparison: "資管系跟企管系哪個比較好", "這個系好不好念", "which one is better",
  "is the department any good". The brochures give facts, never a ranking, so the answer is "unsure"
  (staff may answer) even when every word of the question is an admissions word;
- small talk about the assistant itself: "你幾歲", "你是誰", "how old are you", "who are you". A greeting of
  this kind in front of a real question is dropped and the rest is answered ("how are you, when is the
  deadline?"); alone it is "unsure". Sums ("1+1等於多少", "三乘以五", "what is 2 plus 2") are dropped the
  same way: they are recognised on the text before folding, which removes "+" and "=";
- figures of past years: "去年最低錄取分數", "往年錄取幾個人", "what was the cutoff last year". Each brochure
  describes one year's round and gives no statistics of earlier ones.
"""

from __future__ import annotations

import re

_EVALUATIVE = "好|棒|強|厲害|有名|熱門|有前途|好考|好讀|好念|好唸|輕鬆|難|簡單|容易|推薦|值得|適合"

OPINION = re.compile(
    # 哪個比較好 / 哪一間最有名 / 哪所較難: which of several is better
    rf"哪一?(?:個|間|所|家|系|組|種|邊|位)?(?:比較|較|最)(?:{_EVALUATIVE})"
    # 好不好念 / 難不難畢業 / 好讀嗎: how easy or pleasant a school or programme is
    r"|(?:好不好|難不難)(?:讀|念|唸|畢業|玩|混|過|找工作)|(?:好|難)(?:讀|念|唸|畢業|混)嗎"
    # 推薦哪一家 / 推薦哪個: asking for a recommendation among several
    r"|推薦哪一?(?:個|間|家|所|位)"
    # 應該選北科還是台科 / should I choose NTUT or NTUST: the applicant's choice between schools or programmes
    r"|(?:應該|該)(?:選|挑|念|讀|唸).{1,12}?還是|(?:應該|該)(?:念|讀|唸)哪"
    r"|(?<![a-z])(?:should i|would you) (?:choose|pick|go with|go for)(?![a-z])"
    r"|(?<![a-z])(?:which (?:one |school |department |program |programme |major )?is (?:better|best|easier|harder)"
    r"|better than|how good is|any good$)(?![a-z])"
)

CHAT = re.compile(
    r"(?:你|妳|您)(?:今年)?(?:幾歲|多大了|是誰|叫什麼(?:名字)?|的名字"
    r"|是(?:男生|女生|男的|女的|真人|機器人|ai|人工智慧|聊天機器人)|住(?:在)?哪|會不會累|在幹嘛|吃飯了)"
    r"|(?<![a-z])(?:how old are you|who are you|whats your name|what is your name|who (?:made|built|created) you"
    r"|are you (?:a |an )?(?:robot|bot|human|real|person|ai|machine|chatbot)|where are you from|where do you live"
    r"|how are you|do you (?:like|love)|are you (?:single|married|bored|happy|sad|ok|okay))(?![a-z])"
)


def is_opinion(folded: str) -> bool:
    """True when the question asks for an opinion or a comparison (see the module docstring)."""
    return OPINION.search(folded) is not None


def without_chat(folded: str) -> tuple[str, bool]:
    """The question without small talk about the assistant, and whether there was any."""
    rest, count = CHAT.subn(" ", folded)
    return (re.sub(r"\s+", " ", rest).strip(), True) if count else (folded, False)


_NUMBER = r"(?:\d+(?:\.\d+)?|[零一二兩三四五六七八九十百千萬]+)"
ARITHMETIC = re.compile(
    # An operator between two numbers ("-", "/" and "x" are left out: ranges, dates and sizes such as 3-5, 6/30, 4x6).
    rf"{_NUMBER}\s*(?:[+*×÷=]|加上?|減掉?|減去|乘以?|除以|(?<![a-z])(?:plus|minus|times|divided by)(?![a-z]))"
    rf"\s*{_NUMBER}(?:\s*(?:[+*×÷]|加|減|乘以?|除以)\s*{_NUMBER})*(?:\s*(?:=|等於|是|is|equals))?"
)

_PAST = r"去年|前年|往年|歷屆|以往|以前|過去幾年|上一屆|上屆|前幾年|前一年|之前幾年"
_STATISTIC = (
    r"錄取分數|最低分|最低錄取|最高分|平均分|分數線|錄取標準分|幾分(?:才|就|可以|能|會)?(?:上|錄取|進)|考幾分"
    r"|錄取(?:了)?(?:幾|多少)(?:個|位|名)?(?:人|名)|(?:報名|報考|錄取|應考)人數|幾個人|多少人|錄取率|錄取比例|競爭"
)
PAST_STATISTICS = re.compile(
    rf"(?:{_PAST}).{{0,12}}?(?:{_STATISTIC})|(?:{_STATISTIC}).{{0,8}}?(?:{_PAST})"
    r"|(?<![a-z])(?:(?:cutoff|cut off|minimum score|lowest score|average score|passing score|how many (?:people|students|applicants))"
    r".{0,30}?(?:last year|previous years?|past years?|years? before)"
    r"|(?:last year|previous years?|past years?)(?:s)?.{0,30}?(?:cutoff|cut off|minimum score|lowest score|average score"
    r"|how many (?:people|students|applicants)))(?![a-z])"
)


def without_arithmetic(text: str) -> tuple[str, bool]:
    """`text` (NFKC, lower case, not yet folded) without sums such as "1+1等於多少", and whether it had any."""
    rest, count = ARITHMETIC.subn(" ", text)
    return (rest, True) if count else (text, False)


def asks_past_statistics(folded: str) -> bool:
    """True when the question asks for a figure of earlier years' rounds (see the module docstring)."""
    return PAST_STATISTICS.search(folded) is not None
