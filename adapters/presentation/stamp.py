"""The data stamp every output people read carries (issue 14, item 8): live or as of
when, the stored time of the last event it includes, and when it was made."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")  # times shown to people are Swedish local time


def stamp_lines(as_of: str | None, data_through: str | None, made_at: datetime) -> list[str]:
    """The data stamp of every output people read (issue 14, item 8)."""
    return [
        "Data: aktuellt" if as_of is None else f"Data: per {local_minute(as_of)}",
        f"Händelser lagrade t.o.m.: {local_minute(data_through) if data_through else '–'}",
        f"Framtagen: {made_at.astimezone(SWEDEN).strftime('%Y-%m-%d %H:%M')}",
    ]


def local_minute(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.astimezone(SWEDEN).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else text
