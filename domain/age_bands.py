"""Age bands of the municipality's own choosing, beside reports.md's fixed age groups:
one nämnd splits children 0-18 and young adults 19-20, another follows its own plan."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import DomainError

OTHER = "other"  # the band of an age no chosen band holds, so the rows add up to the total
OLDEST = 130
_BAND = re.compile(r"(\d{1,3})(?:-(\d{1,3})|(\+))", re.ASCII)


class InvalidAgeBands(DomainError):
    """The bands could not be read, or they overlap or are out of order."""


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int  # inclusive; OLDEST for an open band "65+"
    label: str

    def holds(self, age: int) -> bool:
        return self.low <= age <= self.high


def parse_age_bands(text: str) -> tuple[AgeBand, ...]:
    """'0-18,19-20' or '0-12,13-17,18+': whole years, each band's ages inclusive, in
    rising order without overlap (gaps are allowed: those ages count as 'other')."""
    bands: list[AgeBand] = []
    for part in text.split(","):
        part = part.strip()
        match = _BAND.fullmatch(part)
        if match is None:
            raise InvalidAgeBands(f"{part or '(empty)'}: write a band as FROM-TO or FROM+")
        low = int(match[1])
        high = OLDEST if match[3] else int(match[2])
        if high < low:
            raise InvalidAgeBands(f"{part}: the band ends before it begins")
        if high > OLDEST:
            raise InvalidAgeBands(f"{part}: ages go up to {OLDEST}")
        if bands and low <= bands[-1].high:
            earlier = bands[-1].label
            raise InvalidAgeBands(
                f"{part}: overlaps or comes before {earlier}; give the bands in rising order"
            )
        bands.append(AgeBand(low, high, part))
    return tuple(bands)


def band_of(age: int, bands: tuple[AgeBand, ...]) -> str:
    return next((band.label for band in bands if band.holds(age)), OTHER)
