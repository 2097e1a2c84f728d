"""Local time arithmetic: parsing times and zones, local dates, and the next wall-clock moment.

The one place where DST rules live. A local time inside a spring-forward gap happens at the
first valid minute after the gap; a local time inside a repeated (fall-back) hour happens once,
at its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import InvalidTime, InvalidTimeZone

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_local_time(text: str) -> time:
    """`HH:MM` (24-hour) -> time; raises InvalidTime for anything else (`25:61`, `9am`)."""
    match = _TIME_RE.match(text or "")
    if not match:
        raise InvalidTime(text)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise InvalidTime(text)
    return time(hour, minute)


def format_local_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name known to the system or tzdata, sorted."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone name -> ZoneInfo; raises InvalidTimeZone (`Mars/Olympus`, paths, blanks)."""
    cleaned = (name or "").strip()
    if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned or "\\" in cleaned:
        raise InvalidTimeZone(name)
    try:
        return _zone(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidTimeZone(name) from None


def zone_or_utc(name: str | None) -> ZoneInfo:
    """A stored zone name -> ZoneInfo, falling back to UTC for None or a name that vanished."""
    if not name:
        return _zone("UTC")
    try:
        return parse_zone(name)
    except InvalidTimeZone:
        return _zone("UTC")


def pick_zone(*names: str | None) -> ZoneInfo:
    """The first usable zone among `names` (member's, then server's), else UTC."""
    for name in names:
        if name:
            try:
                return parse_zone(name)
            except InvalidTimeZone:
                continue
    return _zone("UTC")


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date in `zone` at the aware instant `moment`."""
    return moment.astimezone(zone).date()


def localize(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`, DST-aware.

    In a gap (the wall time does not exist) this is the first valid minute after the gap;
    in a fold (the wall time happens twice) it is the first occurrence.
    """
    naive = datetime.combine(day, at)
    candidate = naive.replace(tzinfo=zone, fold=0)
    as_utc = candidate.astimezone(UTC)
    # A non-existent wall time does not survive the round trip.
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        # The gap ends where the offset changes: walk forward minute by minute from the
        # earlier-offset interpretation (gaps last at most a few hours, usually 30-60 min).
        probe = naive
        for _ in range(24 * 60):
            probe += timedelta(minutes=1)
            cand = probe.replace(tzinfo=zone, fold=0)
            if cand.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == probe:
                return cand.astimezone(UTC)
    return as_utc


def week_start(day: date) -> date:
    """Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)
