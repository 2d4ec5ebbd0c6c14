"""Personnummer and samordningsnummer: validated, then replaced by a keyed pseudonym.

The number itself never leaves this module: not into storage, logs nor error messages.
The `personnummer` package resolves the century of 10-digit forms against today's date;
feed.md resolves it against `occurred_on` (`+` = 100 years or older that day), and the
century decides whether 29 February exists, so the parsing is done here."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from typing import NamedTuple

# ASCII digits only (re.ASCII): "\d" alone also matches other scripts' digits.
_LONG = re.compile(r"^(\d{4})(\d{2})(\d{2})-?(\d{3})(\d)$", re.ASCII)
_SHORT = re.compile(r"^(\d{2})(\d{2})(\d{2})([-+])(\d{3})(\d)$", re.ASCII)
# Anything in free text that could be written as one: 10 or 12 digits, maybe a separator.
_INSIDE_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}(?![0-9])", re.ASCII)
EARLIEST_BIRTH_YEAR = 1880  # no one older is in care or on assistance


MIN_KEY_BYTES = 16


class InvalidIdentifier(ValueError):
    """The reason never contains the identifier."""


class ShortKey(ValueError):
    """A pseudonym key too short to keep pseudonyms from being guessed."""


class Person(NamedTuple):
    pseudonym: str
    birth_date: date
    sex: str  # "kvinna" or "man", as reports.md names them


class ParsedIdentifier(NamedTuple):
    canonical: str  # YYYYMMDDNNNC: the one form the pseudonym is computed from
    birth_date: date
    sex: str


def parse_identifier(text: str, on: date) -> ParsedIdentifier:
    if m := _LONG.match(text):
        year, month, day, serial, check = m.groups()
        full_year = int(year)
    elif m := _SHORT.match(text):
        yy, month, day, separator, serial, check = m.groups()
        full_year = _resolve_century(int(yy), int(month), int(day), separator, on)
    else:
        raise InvalidIdentifier(
            "not a personnummer or samordningsnummer in the form YYYYMMDDNNNC, "
            "YYYYMMDD-NNNC, YYMMDD-NNNC or YYMMDD+NNNC"
        )
    ten = f"{full_year % 100:02d}{month}{day}{serial}"
    if _luhn_check_digit(ten) != int(check):
        raise InvalidIdentifier("the check digit does not match (Luhn)")
    birth_date = _birth_date(full_year, int(month), int(day))
    if birth_date is None or full_year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdentifier("names no real date of birth")
    if birth_date > on:
        raise InvalidIdentifier("the date of birth lies after occurred_on")
    if serial == "000":
        raise InvalidIdentifier("the individual number 000 is never issued")
    sex = "man" if int(serial[2]) % 2 == 1 else "kvinna"
    return ParsedIdentifier(f"{full_year:04d}{month}{day}{serial}{check}", birth_date, sex)


def holds_identifier(text: str, on: date) -> bool:
    """Whether free text holds a valid personnummer or samordningsnummer in any written
    form: such a line is rejected so that the number is never stored."""
    for match in _INSIDE_TEXT.finditer(text):
        candidate = match.group()
        forms = [candidate]
        if candidate[-5] not in "-+" and len(candidate) == 10:
            forms.append(f"{candidate[:6]}-{candidate[6:]}")  # YYMMDDNNNC, unseparated
        for form in forms:
            try:
                parse_identifier(form, on)
            except InvalidIdentifier:
                continue
            return True
    return False


class Pseudonymizer:
    """HMAC-SHA-256 under the deployment's key: the same person, the same pseudonym."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ShortKey(
                f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes (this one has "
                f"{len(key)}); make one with: python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )
        self._key = key
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per message: no re-keying

    @property
    def key(self) -> bytes:
        return self._key

    def person(self, identifier: str, on: date) -> Person:
        parsed = parse_identifier(identifier, on)
        return Person(self.pseudonym(parsed.canonical), parsed.birth_date, parsed.sex)

    def pseudonym(self, canonical: str) -> str:
        return self.digest(canonical.encode("ascii"))

    def digest(self, data: bytes) -> str:
        """Keyed digest of a feed body, so a stored digest cannot be searched for a number."""
        keyed = self._keyed.copy()
        keyed.update(data)
        return keyed.hexdigest()

    def fingerprint(self) -> str:
        """Identifies the key without revealing it, to refuse mixing keys in one store."""
        return self.digest(b"volym-key-fingerprint")[:16]


def _resolve_century(yy: int, month: int, day: int, separator: str, on: date) -> int:
    # The latest year ending in yy whose birthday makes the person under 100 on `on`
    # ('-'), or 100 or older ('+').
    real_day = day - 60 if day > 60 else day
    year = on.year - ((on.year - yy) % 100)
    if (month, real_day) > (on.month, on.day) and year == on.year:
        year -= 100  # would be born after `on`
    if separator == "+":
        year -= 100
    return year


def _birth_date(year: int, month: int, day: int) -> date | None:
    if day > 60:
        day -= 60  # samordningsnummer
    try:
        return date(year, month, day)
    except ValueError:
        return None


_DOUBLED_DIGIT_SUM = {str(d): (2 * d) // 10 + (2 * d) % 10 for d in range(10)}
_DIGIT = {str(d): d for d in range(10)}


def _luhn_check_digit(nine_or_ten: str) -> int:
    doubled = _DOUBLED_DIGIT_SUM
    plain = _DIGIT
    d = nine_or_ten
    total = (
        doubled[d[0]]
        + plain[d[1]]
        + doubled[d[2]]
        + plain[d[3]]
        + doubled[d[4]]
        + plain[d[5]]
        + doubled[d[6]]
        + plain[d[7]]
        + doubled[d[8]]
    )
    return (10 - total % 10) % 10
