"""Local time arithmetic: parsing times and zones, local dates, and the next wall-clock moment.

The one place where DST rules live. A local time inside a spring-forward gap happens at the
first valid minute after the gap; a local time inside a repeated (fall-back) hour happens once,
at its first occurrence.

It is also the one place where typed zones are understood: `parse_zone` (every command that
takes a zone) and `zone_suggestions` (their autocomplete) accept what people type besides IANA
names: abbreviations (IST, CET, PST), countries (India), cities (New York, London, Mumbai) and
any capitalisation, and resolve them to the IANA name that is stored. Stored names are read
back exactly (`zone_or_utc`, `pick_zone`): an alias never changes a zone already saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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
    """A zone as a member types it -> ZoneInfo: an IANA name in any capitalisation, or an
    alias (`IST`, `India`, `New York`; see `resolve_zone_name`); raises InvalidTimeZone
    (`Mars/Olympus`, paths, blanks). Its `.key` is the IANA name to store."""
    cleaned = (name or "").strip()
    if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned or "\\" in cleaned:
        raise InvalidTimeZone(name)
    resolved = resolve_zone_name(cleaned)
    try:
        return _zone(resolved or cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidTimeZone(name) from None


def _stored_zone(name: str) -> ZoneInfo | None:
    """A stored IANA name read back exactly (no aliases), None when unusable."""
    cleaned = name.strip()
    if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned or "\\" in cleaned:
        return None
    try:
        return _zone(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_or_utc(name: str | None) -> ZoneInfo:
    """A stored zone name -> ZoneInfo, falling back to UTC for None or a name that vanished."""
    return (_stored_zone(name) if name else None) or _zone("UTC")


def pick_zone(*names: str | None) -> ZoneInfo:
    """The first usable zone among `names` (member's, then server's), else UTC."""
    for name in names:
        zone = _stored_zone(name) if name else None
        if zone is not None:
            return zone
    return _zone("UTC")


# -- what people type for a zone ------------------------------------------------------------------

#: Abbreviations, countries and cities people type, to the IANA zone they most likely mean.
#: Written as shown to members; matched folded (any case, spaces, "_" and "-" alike). An
#: abbreviation that is also an old IANA name (EST, MST, HST, CET, EET, WET) means here what
#: people mean by it: EST is New York's time with its DST, not the fixed UTC-5 of tzdata's EST.
#: Ambiguous ones pick the most common meaning; OTHER_MEANINGS lists the rest for autocomplete.
ZONE_ALIASES: dict[str, str] = {
    # Abbreviations.
    "UTC": "UTC", "UCT": "UTC", "Z": "UTC", "Zulu": "UTC",
    "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
    "Eastern": "America/New_York",
    "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
    "Central": "America/Chicago",
    "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
    "Mountain": "America/Denver",
    "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "Pacific": "America/Los_Angeles",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu", "Hawaii": "Pacific/Honolulu",
    "AST": "America/Halifax", "ADT": "America/Halifax", "Atlantic": "America/Halifax",
    "NST": "America/St_Johns", "NDT": "America/St_Johns",
    "BRT": "America/Sao_Paulo", "ART": "America/Argentina/Buenos_Aires",
    "BST": "Europe/London", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "MET": "Europe/Berlin",
    "MEZ": "Europe/Berlin", "MESZ": "Europe/Berlin",
    "EET": "Europe/Athens", "EEST": "Europe/Athens", "MSK": "Europe/Moscow",
    "TRT": "Europe/Istanbul", "GST": "Asia/Dubai", "PKT": "Asia/Karachi",
    "IST": "Asia/Kolkata", "NPT": "Asia/Kathmandu", "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta", "SGT": "Asia/Singapore", "MYT": "Asia/Kuala_Lumpur",
    "PHT": "Asia/Manila", "HKT": "Asia/Hong_Kong", "JST": "Asia/Tokyo", "KST": "Asia/Seoul",
    "AWST": "Australia/Perth", "ACST": "Australia/Adelaide", "ACDT": "Australia/Adelaide",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    "WAT": "Africa/Lagos", "CAT": "Africa/Maputo", "EAT": "Africa/Nairobi",
    "SAST": "Africa/Johannesburg",
    # Countries: the zone most of their people live in.
    "India": "Asia/Kolkata", "Pakistan": "Asia/Karachi", "Bangladesh": "Asia/Dhaka",
    "Nepal": "Asia/Kathmandu", "Sri Lanka": "Asia/Colombo", "China": "Asia/Shanghai",
    "Taiwan": "Asia/Taipei", "Japan": "Asia/Tokyo", "Korea": "Asia/Seoul",
    "South Korea": "Asia/Seoul", "Philippines": "Asia/Manila", "Vietnam": "Asia/Ho_Chi_Minh",
    "Thailand": "Asia/Bangkok", "Malaysia": "Asia/Kuala_Lumpur", "Indonesia": "Asia/Jakarta",
    "UAE": "Asia/Dubai", "United Arab Emirates": "Asia/Dubai", "Saudi Arabia": "Asia/Riyadh",
    "Iran": "Asia/Tehran", "Israel": "Asia/Jerusalem", "Turkey": "Europe/Istanbul",
    "Türkiye": "Europe/Istanbul",
    "UK": "Europe/London", "United Kingdom": "Europe/London", "Britain": "Europe/London",
    "Great Britain": "Europe/London", "England": "Europe/London", "Scotland": "Europe/London",
    "Wales": "Europe/London", "Ireland": "Europe/Dublin", "Portugal": "Europe/Lisbon",
    "Spain": "Europe/Madrid", "France": "Europe/Paris", "Belgium": "Europe/Brussels",
    "Netherlands": "Europe/Amsterdam", "Holland": "Europe/Amsterdam",
    "Germany": "Europe/Berlin", "Switzerland": "Europe/Zurich", "Austria": "Europe/Vienna",
    "Italy": "Europe/Rome", "Denmark": "Europe/Copenhagen", "Norway": "Europe/Oslo",
    "Sweden": "Europe/Stockholm", "Finland": "Europe/Helsinki", "Poland": "Europe/Warsaw",
    "Czechia": "Europe/Prague", "Czech Republic": "Europe/Prague",
    "Hungary": "Europe/Budapest", "Romania": "Europe/Bucharest", "Greece": "Europe/Athens",
    "Ukraine": "Europe/Kyiv", "Russia": "Europe/Moscow", "Egypt": "Africa/Cairo",
    "Nigeria": "Africa/Lagos", "Kenya": "Africa/Nairobi", "South Africa": "Africa/Johannesburg",
    "Morocco": "Africa/Casablanca",
    "USA": "America/New_York", "US": "America/New_York", "United States": "America/New_York",
    "America": "America/New_York", "Canada": "America/Toronto",
    "Mexico": "America/Mexico_City", "Brazil": "America/Sao_Paulo",
    "Argentina": "America/Argentina/Buenos_Aires", "Chile": "America/Santiago",
    "Colombia": "America/Bogota", "Peru": "America/Lima", "Australia": "Australia/Sydney",
    "New Zealand": "Pacific/Auckland",
    # Cities that are not in a zone's name (those that are, like London, resolve by it).
    "Mumbai": "Asia/Kolkata", "Delhi": "Asia/Kolkata", "New Delhi": "Asia/Kolkata",
    "Bangalore": "Asia/Kolkata", "Bengaluru": "Asia/Kolkata", "Chennai": "Asia/Kolkata",
    "Hyderabad": "Asia/Kolkata", "Pune": "Asia/Kolkata", "Calcutta": "Asia/Kolkata",
    "Beijing": "Asia/Shanghai", "Shenzhen": "Asia/Shanghai", "Osaka": "Asia/Tokyo",
    "Abu Dhabi": "Asia/Dubai", "Munich": "Europe/Berlin", "Hamburg": "Europe/Berlin",
    "Frankfurt": "Europe/Berlin", "Barcelona": "Europe/Madrid", "Milan": "Europe/Rome",
    "Geneva": "Europe/Zurich", "Kiev": "Europe/Kyiv", "Saint Petersburg": "Europe/Moscow",
    "Manchester": "Europe/London", "Edinburgh": "Europe/London",
    "San Francisco": "America/Los_Angeles", "Seattle": "America/Los_Angeles",
    "San Diego": "America/Los_Angeles", "Portland": "America/Los_Angeles",
    "Las Vegas": "America/Los_Angeles", "LA": "America/Los_Angeles",
    "NYC": "America/New_York", "Boston": "America/New_York", "Washington": "America/New_York",
    "Miami": "America/New_York", "Atlanta": "America/New_York",
    "Philadelphia": "America/New_York", "Texas": "America/Chicago", "Dallas": "America/Chicago",
    "Houston": "America/Chicago", "Austin": "America/Chicago", "Montreal": "America/Toronto",
    "Ottawa": "America/Toronto", "Rio de Janeiro": "America/Sao_Paulo",
    "Melbourne": "Australia/Melbourne", "Canberra": "Australia/Sydney",
    "Wellington": "Pacific/Auckland",
}  # fmt: skip

#: What an ambiguous alias also means, offered after its main meaning in autocomplete.
OTHER_MEANINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "IST": (("Ireland", "Europe/Dublin"), ("Israel", "Asia/Jerusalem")),
    "CST": (("China", "Asia/Shanghai"), ("Cuba", "America/Havana")),
    "BST": (("Bangladesh", "Asia/Dhaka"),),
    "AST": (("Arabia", "Asia/Riyadh"),),
    "GST": (("South Georgia", "Atlantic/South_Georgia"),),
}
#: Why the main meaning of each ambiguous alias was picked, shown beside it in autocomplete.
MAIN_MEANING = {"IST": "India", "CST": "US Central", "BST": "UK summer", "AST": "Atlantic"}

_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def _fold(text: str) -> str:
    """Case, accents, spaces, "_" and "-" do not matter: "new_york", "New York", "NEW-YORK"
    match, and so do "São Paulo" and "Sao_Paulo"."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.replace("_", " ").replace("-", " ").split()).casefold()


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, tuple[str, str]]:
    """Folded alias -> (the alias as written, its IANA zone)."""
    return {_fold(alias): (alias, zone) for alias, zone in ZONE_ALIASES.items()}


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict[str, str], dict[str, str]]:
    """Folded IANA name -> name, and folded city (a zone name's last part) -> zone name;
    a city comes from a zone of a world region, the canonical name first when two share it."""
    names = zone_names()
    full = {_fold(name): name for name in names}
    cities: dict[str, str] = {}
    for name in names:
        region, _, rest = name.partition("/")
        if region in _REGIONS and rest:
            cities.setdefault(_fold(rest.rsplit("/", 1)[-1]), name)
    return full, cities


def resolve_zone_name(text: str) -> str | None:
    """The IANA name meant by `text`: an alias (`IST` -> Asia/Kolkata, `India`, `Mumbai`), an
    IANA name in any case (`europe/london`), or a zone's city (`New York` -> America/New_York,
    `london`). None when nothing matches."""
    folded = _fold(text)
    if not folded:
        return None
    alias = _alias_index().get(folded)
    if alias is not None:
        return alias[1]
    full, cities = _name_index()
    if folded in full:
        return full[folded]
    return None if "/" in folded else cities.get(folded)


def zone_suggestions(typed: str, limit: int, *, empty: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Autocomplete for a zone option: (label, IANA name) pairs, the name being what is
    submitted. Aliases show what they resolve to (`IST → Asia/Kolkata (India)`), an ambiguous
    one followed by its other meanings, and aliases starting with what was typed; then IANA
    names (or their city) starting with it, then those containing it. Nothing typed: `empty`
    (the zones most members pick)."""
    wanted = _fold(typed)
    if not wanted:
        return [(name, name) for name in empty[:limit]]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def offer(label: str, zone: str) -> None:
        if zone not in seen and len(found) < limit:
            seen.add(zone)
            found.append((label, zone))

    aliases = _alias_index()
    exact = aliases.get(wanted)
    if exact is not None:
        written, zone = exact
        why = MAIN_MEANING.get(written)
        offer(f"{written} → {zone}" + (f" ({why})" if why else ""), zone)
        for meaning, other in OTHER_MEANINGS.get(written, ()):
            offer(f"{written} ({meaning}) → {other}", other)
    for key, (written, zone) in aliases.items():
        if key != wanted and key.startswith(wanted):
            offer(f"{written} → {zone}", zone)
    full, _ = _name_index()
    for folded, name in full.items():
        if folded.startswith(wanted) or folded.rsplit("/", 1)[-1].startswith(wanted):
            offer(name, name)
    for folded, name in full.items():
        if wanted in folded:
            offer(name, name)
    return found


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
