"""Telegram adapter: aiogram routers that parse, call workflows/knowledge and render."""

from bot.lazy_models import import_aiogram

import_aiogram()  # before any module of this package imports aiogram: see bot/lazy_models.py
