"""Recognising questions about the applicant's own data ("did I pass", "what is my serial").

Those are never answered from the brochures: the bot sends them to its status features. A question is
personal when it speaks in the first person, asks about a state or a value (not how to do something), and
names one of the things the store knows about the applicant.
"""

from __future__ import annotations

import re
from typing import Literal

PersonalKind = Literal["serial", "payment", "uploads", "recommenders", "review", "status"]

# Checked in this order: the more specific feature wins ("my recommender's upload" is about recommenders).
_KINDS: tuple[tuple[PersonalKind, str], ...] = (
    ("recommenders", r"推薦|recommend|referee|reference letter"),
    ("serial", r"序號|報名編號|serial|registration number|application number"),
    ("payment", r"繳費|付款|繳款|匯款|轉帳|入帳|報名費|付錢|繳錢|交錢|帳號|pay|paid|fee|transfer|account number|virtual account"),
    ("review", r"錄取|考上|上榜|榜單|通過|審查結果|審核結果|資格審查|合格|落榜|沒上|備取|正取|"
               r"pass|admit|accept|reject|result|qualif"),
    ("uploads", r"上傳|傳上去|檔案|照片|相片|文件|資料|upload|file|document|photo"),
    ("status", r"報名狀態|報名成功|報好|報上|報名了|狀態|進度|status|register|registration|application|signed up"),
)
_KIND_RES = tuple((kind, re.compile(pattern)) for kind, pattern in _KINDS)

_FIRST_PERSON = re.compile(r"我|本人|(?<![a-z])(?:i|my|me|mine|im|ive)(?![a-z])")
# Asking about a state or a value of the applicant's own record.
_STATE = re.compile(
    r"了沒|了嗎|好了沒|成功了|成功沒|成功嗎|有沒有成功|有沒有收到|收到了?嗎|收到了?沒|"
    r"是多少|是幾號|是什麼|是啥|過了嗎|過了沒|有沒有過|有沒有通過|上了嗎|上了沒|有沒有上|"
    r"到了嗎|到了沒|到哪|查一下|幫我查|幫我看|告訴我|結果如何|還缺|缺哪|缺什麼|少了|狀態|進度|回覆|"
    r"(?<![a-z])(?:did i|have i|has my|have my|is my|are my|was i|was my|am i|what is my|whats my|"
    r"check my|show me my|tell me my|did my|yet)(?![a-z])"
)
# Asking how to do something, or whether something is allowed, is a brochure question even in the first
# person; "幫我查" (look it up for me) is not.
_HOW_TO = re.compile(
    r"怎麼|怎樣|如何|哪裡|在哪|方法|步驟|流程|規定|可以|可不可以|能不能|能否|需要|需不需要|要不要|"
    r"多久|什麼時候|何時|"
    r"(?<![a-z])(?:how|where|when|can i|could i|should i|if i|do i need|do i have to|have to|need to|must|"
    r"which|may i)(?![a-z])"
)
_FOR_ME = re.compile(r"幫我查|幫我看|查一下我|(?<![a-z])(?:please check my|can you check my|look up my)(?![a-z])")


def personal_kind(folded: str) -> PersonalKind | None:
    """The status feature a question about one's own data needs, or None for a general question.

    `folded` is the output of Normalizer.fold (lower case, Traditional script, no punctuation), so the
    patterns are written in Traditional characters only.
    """
    if not _FIRST_PERSON.search(folded) or not _STATE.search(folded):
        return None
    if _HOW_TO.search(folded) and not _FOR_ME.search(folded):
        return None
    for kind, pattern in _KIND_RES:
        if pattern.search(folded):
            return kind
    return None
