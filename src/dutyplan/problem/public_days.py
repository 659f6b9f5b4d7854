"""Public holidays and make-up working days of a country, from the ``holidays`` package.

China moves weekends around its holidays: the National Day week off is paid for by working a
Saturday or Sunday before or after it (调休). ``holidays`` (python-holidays, the well-kept open
calendar of about 200 countries) knows both: the days off and the weekend dates worked.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools

HOLIDAYS_MISSING = "horizon.country needs the holidays package: pip install 'dutyplan[holidays]'"


class CountryError(ValueError):
    """An unknown country code, or the holidays package missing."""


@functools.lru_cache(maxsize=64)
def country_days(country: str, first_year: int, last_year: int) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    """The public holidays (date -> name) and the make-up working days of ``country`` (an ISO
    3166 code such as ``CN``) in the years ``first_year..last_year``."""
    try:
        import holidays
    except ImportError:
        raise CountryError(HOLIDAYS_MISSING) from None
    supported = sorted(holidays.list_supported_countries())
    if country not in supported:
        close = difflib.get_close_matches(country.upper(), supported, n=8, cutoff=0.0)
        raise CountryError(
            f"unknown country {country!r} for public holidays (an ISO 3166 code such as 'CN'; "
            f"closest known: {', '.join(close)})"
        )
    years = list(range(first_year, last_year + 1))
    calendar = holidays.country_holidays(country, years=years)
    days_off = {day: str(name) for day, name in sorted(calendar.items())}
    worked = frozenset(
        day for day in getattr(calendar, "weekend_workdays", ()) if first_year <= day.year <= last_year
    )
    return days_off, worked
