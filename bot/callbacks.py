"""Typed callback data for inline buttons (Telegram allows 64 bytes). Ids in them are never trusted:
handlers check that the registration or recommender belongs to the user pressing the button."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class RoundPick(CallbackData, prefix="rnd"):
    question_id: int
    round_id: str


class Vote(CallbackData, prefix="vote"):
    question_id: int
    value: int


class AskStaff(CallbackData, prefix="staff"):
    question_id: int


class RegPick(CallbackData, prefix="reg"):
    action: str  # status | recs | logout
    registration_id: int  # 0 = all (logout)


class Resend(CallbackData, prefix="rs"):
    registration_id: int
    recommender_id: int


class ResendStep(CallbackData, prefix="rss"):
    action: str  # nomsg | confirm | cancel


class Segment(CallbackData, prefix="seg"):
    name: str
    arg: str = ""


class BroadcastStep(CallbackData, prefix="bcs"):
    action: str  # confirm | cancel
