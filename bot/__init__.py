"""Telegram adapter: aiogram routers that parse, call workflows/knowledge and render."""
