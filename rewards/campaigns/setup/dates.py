"""Dates of a campaign a year later (复制为下一年度).

A window's end and a deadline keep their day of the year; the last day of February stays the
last day of February (2020-02-29 → 2021-02-28, and 2023-02-28 → 2024-02-29), so a window that
ended "at the end of February" still does. A start is the day after the shifted day before it,
so two windows that met before still meet: no certificate date falls between two campaigns.

A copy into a later year may put a deadline before the day it is made (2020 copied into 2026 in
November: the occupation declarations closed on 2026-08-30): :func:`past` names those the
administrator has to move.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)


def _last_of_february(year: int) -> int:
    return calendar.monthrange(year, 2)[1]


def shift_end(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later; the last day of February stays the last day of February."""
    year = day.year + years
    if day.month == 2 and day.day >= 28 and day.day == _last_of_february(day.year):
        return dt.date(year, 2, _last_of_february(year))
    return day.replace(year=year)


def shift_start(day: dt.date, years: int = 1) -> dt.date:
    """The first day of a period ``years`` later: the day after the shifted day before it."""
    return shift_end(day - ONE_DAY, years) + ONE_DAY


def shift_optional_end(day: dt.date | None, years: int = 1) -> dt.date | None:
    return shift_end(day, years) if day is not None else None


def shift_optional_start(day: dt.date | None, years: int = 1) -> dt.date | None:
    return shift_start(day, years) if day is not None else None


#: The dates a campaign cannot start with already past, in the order of the settings page: a
#: past application deadline closes the campaign, a past declaration deadline the unions'
#: declarations. The opening day may be past (applications are open), and so may the
#: certificate windows (they are about certificates already issued).
NOT_PAST: dict[str, str] = {
    "application_deadline": "奖励申报截止日",
    "declaration_deadline": "非通用性职业申报截止日",
}


@dataclass(frozen=True)
class PastDate:
    name: str
    label: str
    day: dt.date


def past(values: Mapping[str, dt.date | None], today: dt.date) -> list[PastDate]:
    """The deadlines of ``values`` already over on ``today``: a deadline includes its own day, so
    one on ``today`` is not past and one on the day before is."""
    return [
        PastDate(name=name, label=label, day=day)
        for name, label in NOT_PAST.items()
        if (day := values.get(name)) is not None and day < today
    ]
