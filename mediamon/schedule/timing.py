"""When to run: intervals ("30s", "15m", "6h", "1d") and five-field cron expressions."""

import datetime as dt
import re
from dataclasses import dataclass

from mediamon.errors import InputError

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
_NAMES = {
    3: {
        n: i
        for i, n in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
        )
    },
    4: {n: i for i, n in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}


def parse_duration(text: str) -> float:
    """Seconds in '30s', '15m', '6h' or '1d'."""
    match = _DURATION_RE.match(text)
    if not match:
        raise InputError(f"bad duration {text!r}: write a number and a unit, e.g. 30s, 15m, 6h, 1d")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds <= 0:
        raise InputError(f"bad duration {text!r}: it must be longer than zero")
    return seconds


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression: minute hour day-of-month month day-of-week."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> "Cron":
        parts = text.split()
        if len(parts) != 5:
            raise InputError(
                f"bad cron expression {text!r}: give five fields, minute hour day month weekday, "
                "e.g. '0 */6 * * *'"
            )
        sets = [_field(part, i) for i, part in enumerate(parts)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(
            text, sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*"
        )

    def matches(self, when: dt.datetime) -> bool:
        if when.minute not in self.minutes or when.hour not in self.hours:
            return False
        if when.month not in self.months:
            return False
        day_ok = when.day in self.days
        weekday_ok = (when.isoweekday() % 7) in self.weekdays
        # cron's rule: with both fields restricted, either one matching is enough
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def next_after(self, when: dt.datetime) -> dt.datetime:
        candidate = when.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(366 * 24 * 60 * 5):
            if self.matches(candidate):
                return candidate
            candidate += dt.timedelta(minutes=1)
        raise InputError(f"cron expression {self.text!r} never fires")


def _field(text: str, index: int) -> frozenset[int]:
    name, low, high = _FIELDS[index]
    if index == 4:
        high = 7  # 0 and 7 are both Sunday
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, end = low, high
            elif "-" in base:
                a, b = base.split("-", 1)
                start, end = _value(a, index), _value(b, index)
            else:
                start = _value(base, index)
                end = high if step_text else start
        except ValueError:
            raise InputError(f"bad cron {name} field {text!r}") from None
        if step < 1 or not (low <= start <= high and low <= end <= high) or start > end:
            raise InputError(f"cron {name} field {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, index: int) -> int:
    names = _NAMES.get(index, {})
    return names[text.lower()] if text.lower() in names else int(text)
