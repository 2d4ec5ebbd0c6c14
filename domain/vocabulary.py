"""The fixed vocabularies of the feed contract (feed.md) and the groupings of reports.md.

Tuples keep the order the social services list them in, which is also report row order."""

from __future__ import annotations

from datetime import date

FORMS = (
    "hvb",
    "sis",
    "familjehem",
    "natverkshem",
    "jourhem",
    "stodboende",
    "traningslagenhet",
    "skyddat_boende",
    "annat",
)
LEGAL_BASES = ("sol", "lvu", "lvm")
PLACEMENT_TARGET_GROUPS = ("barn_unga", "vuxna_missbruk", "vuxna_vald", "vuxna_ovriga")
REGI = ("egen", "extern")

INVESTIGATION_TARGET_GROUPS = (*PLACEMENT_TARGET_GROUPS, "ekonomiskt_bistand")
ROUTES = ("anmalan", "ansokan", "ovrigt")
REPORTERS = (
    "skola",
    "forskola",
    "polis",
    "halso_och_sjukvard",
    "socialtjanst",
    "anhorig",
    "enskild",
    "anonym",
    "annan",
)
DECISIONS = ("inled_utredning", "ingen_utredning")
PAYMENT_KINDS = ("forsorjningsstod", "ovrigt")
OUTCOMES = ("insats", "ingen_insats", "avslag", "overflyttad", "annat")

FORM_GROUPS = ("institution", "familjehem", "jourhem", "stodboende", "skyddat_boende", "annat")
_FORM_GROUP = {
    "hvb": "institution",
    "sis": "institution",
    "familjehem": "familjehem",
    "natverkshem": "familjehem",
    "jourhem": "jourhem",
    "stodboende": "stodboende",
    "traningslagenhet": "stodboende",
    "skyddat_boende": "skyddat_boende",
    "annat": "annat",
}

SEXES = ("kvinna", "man")
AGE_GROUPS = ("0-12", "13-17", "18-20", "21-64", "65+")
_AGE_GROUP_FLOORS = ((65, "65+"), (21, "21-64"), (18, "18-20"), (13, "13-17"), (0, "0-12"))


def form_group(form: str) -> str:
    return _FORM_GROUP[form]


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on a day; someone born 29 February turns a year older on 1 March
    in common years, as Swedish law counts it."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def age_group(birth_date: date, day: date) -> str:
    return age_group_of(age_on(birth_date, day))


def age_group_of(age: int) -> str:
    """reports.md's age group of an age in whole years."""
    for floor, label in _AGE_GROUP_FLOORS:
        if age >= floor:
            return label
    return "0-12"  # born after the day: a data error upstream, counted with the youngest
