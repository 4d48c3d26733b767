"""Date strings as publishers write them: ISO, compact, epoch, day-first, month names."""

from __future__ import annotations

import datetime
import re

__all__ = ["parse_date_string"]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- parsing date strings ---------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar janv janvier enero ene gennaio gen janeiro jänner januari",
            "february feb februar fev févr fevr février fevrier febrero febbraio fevereiro"
            " februari",
            "march mar märz maerz mars marzo março marco maart",
            "april apr avr avril abril aprile",
            "may mai mayo maggio maio mei",
            "june jun juni juin junio giugno junho",
            "july jul juli juil juillet julio luglio julho",
            "august aug aout août agosto ago augustus",
            "september sep sept septembre septiembre settembre setembro set",
            "october oct okt oktober octobre octubre ottobre outubro out",
            "november nov novembre noviembre novembro",
            "december dec dez dezember déc décembre decembre diciembre dic dicembre dezembro",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Patterns in order of preference; groups give (year, month, day) positions, a month name or
# a missing day is handled in parse_date_string.
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[T\s]|\d{4,6}|$)")
_EPOCH = re.compile(r"^(\d{10})(?:\d{3})?(?:\.\d+)?$")
_DMY = re.compile(r"(?<!\d)(\d{1,2})([./-])\s?(\d{1,2})\2\s?(\d{4})(?!\d)")
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})",
    re.IGNORECASE,
)
_MONTH_NAME_DAY = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE
)
# 03/08/2020: March 8 or 3 August, depending on the country.
_AMBIGUOUS = re.compile(r"(?<!\d)(0?[1-9]|1[0-2])/(0?[1-9]|1[0-2])/\d{4}")
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def _make(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _ymd(text: str) -> tuple[int, int, int, str] | None:
    """(year, month, day, precision) of the first recognised date expression."""
    if m := _EPOCH.match(text):
        day = datetime.datetime.fromtimestamp(int(m[1]), tz=datetime.UTC).date()
        return day.year, day.month, day.day, "day"
    if m := _ISO.search(text) or _COMPACT.match(text):
        return int(m[1]), int(m[2]), int(m[3]), "day"
    if m := _DMY.search(text):
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        # Dots and dashes are day-first; slashes are month-first unless that is impossible.
        if m[2] == "/" and not second <= 12 < first:
            return year, first, second, "day"
        return year, second, first, "day"
    if m := _DAY_MONTH_NAME.search(text):
        return int(m[3]), _MONTHS[m[2].lower()], int(m[1]), "day"
    if m := _MONTH_NAME_DAY.search(text):
        return int(m[3]), _MONTHS[m[1].lower()], int(m[2]), "day"
    if m := _YEAR_MONTH.match(text):
        return int(m[1]), int(m[2] or 1), 1, "month" if m[2] else "year"
    return None


def parse_date_string(text: str) -> tuple[datetime.date, str] | None:
    """Parse the common machine and human date formats; returns (date, precision).

    The calendar date is taken as the publisher wrote it: a time zone offset is not applied.
    """
    found = _ymd(text.strip()[:100])
    day = _make(*found[:3]) if found else None
    return (day, found[3]) if day and found else None


# --- structured data ----------------------------------------------------------------------------
