"""The forecasts of budget.md, as arithmetic on facts known at the cut-off day C.

Placements: each placement in care on C continues by the Kaplan–Meier survival of its
form group; new ones start at the trailing twelve months' daily rate. Households: the
mean of the last three months. Investigations: to date, scaled by days. The run-rate
beside them: what is in care on C stays to the year's end, nothing new starts."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


class Survival:
    """S(t): the probability that a placement is still in care after t days (t ≥ 0),
    estimated by Kaplan–Meier from (days in care, ended) pairs; a placement still in care
    at the cut-off is censored at the days it has lasted.

    Ties: those ending after t days leave before those censored at t are counted out, the
    usual convention. Beyond the longest observation S stays at its last value; a group
    without history has S = 1 (it is assumed to continue, as the run-rate does)."""

    def __init__(self, observations: Iterable[tuple[int, bool]]) -> None:
        observed = sorted(observations)
        ended_at: dict[int, int] = {}
        for days, ended in observed:
            if ended:
                ended_at[days] = ended_at.get(days, 0) + 1
        gone = 0  # observations with fewer days than the current time
        self._times: list[int] = []
        self._values: list[float] = []
        value = 1.0
        index = 0
        for time in sorted(ended_at):
            while index < len(observed) and observed[index][0] < time:
                index += 1
                gone += 1
            at_risk = len(observed) - gone
            value *= 1 - ended_at[time] / at_risk
            self._times.append(time)
            self._values.append(value)

    def __call__(self, t: int) -> float:
        """P(days in care > t)."""
        i = bisect_right(self._times, t)
        return 1.0 if i == 0 else self._values[i - 1]


@dataclass(frozen=True)
class InCare:
    """A placement in care on C and after it: its first day and daily cost on C."""

    first_day: date
    daily_cost: float


@dataclass(frozen=True)
class Expected:
    """The expected rest of the year after C."""

    care_days: float = 0.0
    cost: float = 0.0
    started: float = 0.0
    ended: float = 0.0

    def __add__(self, other: Expected) -> Expected:
        return Expected(
            self.care_days + other.care_days,
            self.cost + other.cost,
            self.started + other.started,
            self.ended + other.ended,
        )


def continuing(placement: InCare, cutoff: date, year_end: date, survival: Survival) -> Expected:
    """A placement in care on C (its day a), not ended on C: in care on C+k with
    probability S(a+k-1) / S(a); it ends on C+k with probability (S(a+k-1) - S(a+k)) / S(a).
    Where S(a) is 0 (it outlasted all its group's history) it continues to the year's end."""
    rest = (year_end - cutoff).days
    a = (cutoff - placement.first_day).days + 1
    base = survival(a)
    if base <= 0:
        return Expected(rest, rest * placement.daily_cost)
    days = sum(survival(a + k - 1) for k in range(1, rest + 1)) / base
    ended = (base - survival(a + rest)) / base
    return Expected(days, days * placement.daily_cost, 0.0, ended)


def newcomers(
    daily_rate: float, daily_cost: float, cutoff: date, year_end: date, survival: Survival
) -> Expected:
    """New placements at `daily_rate` on each day after C, each in care on its first day
    and on its (j+1)th day with probability S(j)."""
    rest = (year_end - cutoff).days
    if rest <= 0 or daily_rate <= 0:
        return Expected()
    days = 0.0
    ended = 0.0
    cumulative = 0.0  # sum of S(j) for j in 0..n-1
    for n in range(1, rest + 1):  # a placement that starts n days before the year's end
        cumulative += survival(n - 1)
        days += cumulative
        ended += 1 - survival(n)
    return Expected(
        daily_rate * days, daily_rate * days * daily_cost, daily_rate * rest, daily_rate * ended
    )


def run_rate(in_care: Sequence[InCare], cutoff: date, year_end: date) -> Expected:
    rest = (year_end - cutoff).days
    return Expected(rest * len(in_care), rest * sum(p.daily_cost for p in in_care), 0.0, 0.0)


def three_month_forecast(monthly: Sequence[float], months_in_year: int = 12) -> float:
    """The year's sum: the months known, then the mean of the last three for each month
    after them (fewer when fewer are known)."""
    if not monthly:
        return 0.0
    last = monthly[-3:]
    mean = sum(last) / len(last)
    return sum(monthly) + mean * (months_in_year - len(monthly))


def stay_forecast(monthly: Sequence[float], months_in_year: int = 12) -> float:
    """The run-rate for households: C's month stays for every month after it."""
    if not monthly:
        return 0.0
    return sum(monthly) + monthly[-1] * (months_in_year - len(monthly))


def scaled_to_year(outcome: float, cutoff: date) -> float:
    """Counts to date scaled to the whole year by days (investigations)."""
    year_days = (date(cutoff.year, 12, 31) - date(cutoff.year, 1, 1)).days + 1
    so_far = (cutoff - date(cutoff.year, 1, 1)).days + 1
    return outcome * year_days / so_far
