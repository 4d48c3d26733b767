"""When to run: intervals ("30s", "15m", "6h", "1d") and five-field cron expressions.

croniter reads cron expressions and finds the next time. This module keeps to the classic five
fields, refuses croniter's extensions, gives one-line errors, and rewrites the few forms that
croniter reads differently from classic cron before croniter sees them (`_item`, `Cron.parse`).
"""

import datetime as dt
import re
from dataclasses import dataclass

from croniter import CroniterBadDateError, CroniterError, CroniterNotAlphaError, croniter

from mediamon.errors import InputError

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# name, lowest, highest (7 is Sunday too), how many values, an example
_FIELDS = (
    ("minute", 0, 59, 60, "*/15"),
    ("hour", 0, 23, 24, "9-17"),
    ("day of month", 1, 31, 31, "1,15"),
    ("month", 1, 12, 12, "jan-jun"),
    ("day of week", 0, 7, 7, "mon-fri"),
)
_NAMES = {3: " or name (jan..dec)", 4: " or name (sun..sat)"}
_FIVE = "minute hour day-of-month month day-of-week, e.g. '15 */6 * * *'"
# Classic cron syntax only: '*' or a value or a range, then an optional step. This refuses
# croniter's extensions (L, W, #, ?, H, R), which cron and systemd users would not expect.
_ITEM_RE = re.compile(
    r"(?:\*|(?P<start>\d+|[a-z]{3})(?:-(?P<end>\d+|[a-z]{3}))?)(?:/(?P<step>\d+))?", re.I | re.A
)
_PROBE_START = dt.datetime(2000, 1, 1)  # croniter looks 50 years ahead: past every leap day


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

    text: str  # as written
    expression: str  # as croniter reads it

    @classmethod
    def parse(cls, text: str) -> "Cron":
        fields = text.split()
        if len(fields) in (6, 7):
            raise InputError(
                f"bad cron expression {text!r}: {len(fields)} fields, but cron and systemd "
                f"timers use five (no seconds, no years): {_FIVE}"
            )
        if len(fields) != 5:
            raise InputError(f"bad cron expression {text!r}: give five fields, {_FIVE}")
        fields = [_field(field, index) for index, field in enumerate(fields)]
        try:
            expanded = croniter.expand(" ".join(fields))[0]
        except CroniterError:
            raise InputError(f"bad cron expression {text!r}: write {_FIVE}") from None
        # Classic cron: with both day fields restricted (written as other than '*'), either one
        # matching is enough. croniter does that too, except that it reads a field covering
        # every day ('1-31', '*,5', '0-6') as '*' when the other field has a '*' in it, and then
        # needs both. Either way such a field lets every day through, so say so with two '*'.
        if (
            fields[2] != "*"
            and fields[4] != "*"
            and (_every(expanded[2], 2) or _every(expanded[4], 4))
        ):
            fields[2] = fields[4] = "*"
        cron = cls(text, " ".join(fields))
        cron.next_after(_PROBE_START)  # refuses an expression that never fires, e.g. 30 February
        return cron

    def next_after(self, when: dt.datetime) -> dt.datetime:
        """The first whole minute after `when` that the expression names."""
        try:
            return croniter(self.expression, when).get_next(dt.datetime)
        except CroniterBadDateError:
            raise InputError(
                f"cron expression {self.text!r} never fires: no month has that day "
                f"(e.g. 30 February); e.g. '0 0 28 2 *'"
            ) from None


def _every(values: list[int | str], index: int) -> bool:
    """Whether croniter's expansion of a day field lets every day through."""
    return "*" in values or len(set(values)) == _FIELDS[index][3]


def _field(text: str, index: int) -> str:
    """One field as croniter should read it; a one-line InputError when it is not cron."""
    name, low, high, _, example = _FIELDS[index]
    items = [_item(item, index, text) for item in text.split(",")]
    probe = " ".join(",".join(items) if i == index else "*" for i in range(5))
    try:
        croniter.expand(probe)
    except CroniterNotAlphaError:
        what = f"a number{_NAMES.get(index, '')}"
        raise InputError(
            f"bad cron {name} field {text!r}: write {what}, e.g. {example!r}"
        ) from None
    except CroniterError:
        raise InputError(
            f"cron {name} field {text!r} is out of range {low}-{high}, e.g. {example!r}"
        ) from None
    for item in items:
        match = _ITEM_RE.fullmatch(item)
        assert match is not None  # _item made it
        start, end = match.group("start", "end")
        if start and end and _value(start, index) > _value(end, index):
            # Sunday is 0 and 7: 'fri-sun' is 'fri-7'
            fix = f"{start}-7" if index == 4 and _value(end, index) == 0 else None
            fix = fix or f"{start}-{high},{low}-{end}"
            raise InputError(
                f"bad cron {name} field {text!r}: the range {start}-{end} runs backwards, "
                f"e.g. write {fix!r}"
            )
    return ",".join(items)


def _item(item: str, index: int, field: str) -> str:
    name, _, _, _, example = _FIELDS[index]
    match = _ITEM_RE.fullmatch(item)
    if not match:
        raise InputError(
            f"bad cron {name} field {field!r}: write a number{_NAMES.get(index, '')}, a range, "
            f"a list or a step (*/n), e.g. {example!r}"
        )
    start, end, step = match.group("start", "end", "step")
    if step is not None and int(step) == 0:
        raise InputError(f"bad cron {name} field {field!r}: a step must be 1 or more, e.g. '*/2'")
    if start is None:
        return item
    # croniter stops 'N/step' at Saturday (6); classic cron goes on to Sunday as 7
    if index == 4 and end is None and step is not None:
        end = "7"
    # croniter reads an equal range ('5-5', 'mon-mon') as the whole field; cron as one value
    if end is not None and _same(start, end, index):
        return start
    return start + (f"-{end}" if end is not None else "") + (f"/{step}" if step else "")


def _same(start: str, end: str, index: int) -> bool:
    try:
        return _value(start, index) == _value(end, index)
    except KeyError:
        return False  # a bad name: croniter names the problem


def _value(token: str, index: int) -> int:
    if token.isdigit():
        return int(token)
    return int(croniter.ALPHACONV[index][token.lower()])
