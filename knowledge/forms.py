"""Forms of question no brochure answers, whatever words they are made of.

Off-topic subjects are listed in scope.yaml; these are *shapes* of question, recognised on folded text
(Traditional script, lower case, punctuation removed):

- an opinion or a comparison: "資管系跟企管系哪個比較好", "這個系好不好念", "which one is better",
  "is the department any good". The brochures give facts, never a ranking, so the answer is "unsure"
  (staff may answer) even when every word of the question is an admissions word;
- small talk about the assistant itself: "你幾歲", "你是誰", "how old are you", "who are you". A greeting of
  this kind in front of a real question is dropped and the rest is answered ("how are you, when is the
  deadline?"); alone it is "unsure".
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
