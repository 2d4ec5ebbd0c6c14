from datetime import date

import pytest

from adapters.feed.identity import InvalidIdentifier, Pseudonymizer, parse_identifier

ON = date(2023, 6, 1)


@pytest.mark.parametrize("written", ["201205142381", "20120514-2381", "120514-2381"])
def test_every_written_form_gives_the_same_person(written):
    parsed = parse_identifier(written, ON)
    assert (parsed.canonical, parsed.birth_date, parsed.sex) == (
        "201205142381",
        date(2012, 5, 14),
        "kvinna",
    )


def test_plus_sign_means_a_hundred_years_or_older_on_the_event_day():
    assert parse_identifier("120514+2381", ON).birth_date == date(1912, 5, 14)


def test_ten_digit_century_is_resolved_against_the_event_day_not_today():
    # Born 2000-02-29 (leap day): valid only in the 2000s, under 100 on 2023-06-01.
    assert parse_identifier("000229-1235", ON).birth_date == date(2000, 2, 29)
    # The same digits with '+' would be 1900-02-29, which never existed.
    with pytest.raises(InvalidIdentifier, match="real date"):
        parse_identifier("000229+1235", ON)


def test_birthday_later_in_the_year_than_the_event_day_belongs_to_last_century():
    assert parse_identifier("231201-1238", date(2023, 6, 1)).birth_date.year == 1923


def test_samordningsnummer_has_sixty_added_to_the_day():
    parsed = parse_identifier("198808621232", ON)
    assert parsed.birth_date == date(1988, 8, 2)


def test_ninth_digit_odd_is_a_man():
    assert parse_identifier("198507039116", ON).sex == "man"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("201205142382", "check digit"),
        ("20120514 2381", "form"),
        ("1205142381", "form"),
        ("20121314-2381", "real date"),
        ("abc", "form"),
    ],
)
def test_bad_identifiers_are_refused_without_echoing_the_number(written, reason):
    with pytest.raises(InvalidIdentifier, match=reason) as caught:
        parse_identifier(written, ON)
    assert written not in str(caught.value)
    assert written.replace("-", "")[-4:] not in str(caught.value)


def test_pseudonym_is_keyed_and_stable():
    one, other = Pseudonymizer(b"k" * 32), Pseudonymizer(b"x" * 32)
    first = one.person("201205142381", ON)
    assert first.pseudonym == one.person("120514-2381", ON).pseudonym
    assert first.pseudonym != other.person("201205142381", ON).pseudonym
    assert "2381" not in first.pseudonym and len(first.pseudonym) == 64
