"""Cron schedules for scheduled jobs: 5-field expressions and the ``@hourly``-style aliases, in UTC.

Fields are ``minute hour day-of-month month day-of-week`` with ``*``, ``a-b``, ``*/n``, ``a-b/n``,
lists ``a,b`` and three-letter month/day names; day-of-week 0 and 7 are Sunday. As in classic
cron, when both day fields are restricted a day matching *either* one is due.

```python
schedule = Cron.parse("*/15 9-17 * * mon-fri")
schedule.next_after(datetime(2025, 1, 6, 9, 7, tzinfo=timezone.utc))  # 2025-01-06 09:15 UTC
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["ALIASES", "Cron"]

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (low, high, names mapped to numbers)
_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    (0, 7, {name: i for i, name in enumerate(_DAYS)}),
)
_SEARCH_DAYS = 366 * 5  # Feb 29 schedules need up to 4 years; anything rarer never fires


def _value(text: str, names: dict[str, int]) -> int:
    text = text.lower()
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"not a number: {text!r}")
    return int(text)


def _field(text: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is restricted (not ``*``)."""
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1 or (step_text and not step_text.isdigit()):
            raise ValueError(f"bad step in {part!r}")
        if spec == "*":
            start, end = low, high
        elif "-" in spec:
            a, _, b = spec.partition("-")
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(spec, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{part!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values), text != "*"


@dataclass(frozen=True)
class Cron:
    """A parsed schedule; ``next_after(t)`` is the first due minute strictly after ``t``."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """Parse a 5-field expression or an alias; ``ValueError`` says what is wrong.

        ```python
        Cron.parse("@daily") == Cron.parse("0 0 * * *")
        ```
        """
        text = ALIASES.get(expression.strip().lower(), expression.strip())
        parts = text.split()
        if len(parts) != 5:
            raise ValueError(
                f"Invalid schedule {expression!r}: expected 5 cron fields or one of {', '.join(sorted(ALIASES))}"
            )
        try:
            parsed = [_field(p, low, high, names) for p, (low, high, names) in zip(parts, _FIELDS, strict=True)]
        except ValueError as exc:
            raise ValueError(f"Invalid schedule {expression!r}: {exc}") from None
        weekdays = frozenset(d % 7 for d in parsed[4][0])
        return cls(parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0], weekdays, parsed[2][1], parsed[4][1])

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return dom or dow
        return dom and dow

    def next_after(self, when: datetime) -> datetime | None:
        """The next due time (UTC, whole minute) after ``when``; None if it never comes.

        ```python
        Cron.parse("@hourly").next_after(datetime(2025, 1, 1, 10, 30, tzinfo=timezone.utc)).hour  # 11
        ```
        """
        start = (when.astimezone(timezone.utc) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.replace(hour=0, minute=0)
        for offset in range(_SEARCH_DAYS):
            current = day + timedelta(days=offset)
            if not self._day_matches(current):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    candidate = current.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        return None
