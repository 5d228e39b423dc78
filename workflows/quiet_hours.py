"""Quiet hours (default 22:00-08:00 Asia/Taipei): when nothing but urgent messages may leave."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from workflows.clock import TAIPEI, as_utc, to_local


def in_quiet_hours(moment: datetime, window: tuple[time, time]) -> bool:
    """True when `moment` falls inside the local window (which may wrap past midnight)."""
    start, end = window
    local = to_local(moment).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_end(moment: datetime, window: tuple[time, time]) -> datetime | None:
    """When the quiet hours around `moment` end (UTC), or None when `moment` is not in quiet hours."""
    if not in_quiet_hours(moment, window):
        return None
    local = to_local(moment)
    end = datetime.combine(local.date(), window[1], tzinfo=TAIPEI)
    if end <= local:
        end += timedelta(days=1)
    return as_utc(end)
