import pytest

from domain.age_bands import OTHER, InvalidAgeBands, band_of, parse_age_bands


def test_bands_are_read_inclusive_and_an_age_outside_them_is_other():
    bands = parse_age_bands("0-18,19-20")
    assert [b.label for b in bands] == ["0-18", "19-20"]
    assert [band_of(age, bands) for age in (0, 18, 19, 20, 21)] == [
        "0-18", "0-18", "19-20", "19-20", OTHER,
    ]  # fmt: skip


def test_an_open_band_holds_every_older_age_and_gaps_are_other():
    bands = parse_age_bands("0-12, 18+")
    assert [band_of(age, bands) for age in (12, 13, 17, 18, 99)] == [
        "0-12", OTHER, OTHER, "18+", "18+",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0-18,18-20", "18-20: overlaps or comes before 0-18"),
        ("19-20,0-18", "0-18: overlaps or comes before 19-20"),
        ("5-3", "5-3: the band ends before it begins"),
        ("0-18,", "(empty): write a band as FROM-TO or FROM+"),
        ("barn", "barn: write a band as FROM-TO or FROM+"),
        ("18+,30-40", "30-40: overlaps"),
        ("0-200", "ages go up to 130"),
        ("٠-١٨", "write a band"),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_bad_bands_are_named(text, why):
    with pytest.raises(InvalidAgeBands, match=why.replace("(", r"\(").replace(")", r"\)")):
        parse_age_bands(text)
