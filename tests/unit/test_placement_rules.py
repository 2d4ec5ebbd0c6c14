from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import RuleViolation
from domain.placement import Placement

NOW = datetime(2023, 6, 1, tzinfo=UTC)


def a_placement(first_day=date(2023, 1, 10)):
    return Placement.start(
        source="s",
        placement_id="P1",
        event_id="e1",
        recorded_at=NOW,
        occurred_on=first_day,
        person="pseudonym",
        birth_date=date(2012, 5, 14),
        sex="kvinna",
        target_group="barn_unga",
        form="hvb",
        legal_basis="lvu",
        regi="extern",
        daily_cost=Decimal("4150.00"),
    )


def change(placement, on, **values):
    placement.change(event_id="c", recorded_at=NOW, occurred_on=on, **values)


def test_change_before_the_start_is_refused():
    placement = a_placement()
    with pytest.raises(RuleViolation, match="before the placement started"):
        change(placement, date(2023, 1, 9), form="sis")


def test_change_after_the_last_day_in_care_is_refused():
    placement = a_placement()
    placement.end(event_id="x", recorded_at=NOW, occurred_on=date(2023, 3, 15), reason=None)
    with pytest.raises(RuleViolation, match="after the placement's last day"):
        change(placement, date(2023, 3, 16), form="sis")
    change(placement, date(2023, 3, 15), form="sis")  # the last day itself is inside


def test_end_before_the_start_is_refused():
    with pytest.raises(RuleViolation, match="before the placement started"):
        a_placement().end(event_id="x", recorded_at=NOW, occurred_on=date(2023, 1, 9), reason=None)


def test_a_later_end_corrects_the_last_day():
    placement = a_placement()
    for day in (date(2023, 3, 15), date(2023, 3, 1)):
        placement.end(event_id="x", recorded_at=NOW, occurred_on=day, reason=None)
    assert placement.last_day == date(2023, 3, 1)


def test_a_voided_placement_takes_no_more_events():
    placement = a_placement()
    placement.void(event_id="v", recorded_at=NOW, occurred_on=date(2023, 2, 1), reason=None)
    with pytest.raises(RuleViolation, match="voided"):
        change(placement, date(2023, 2, 2), form="sis")
    with pytest.raises(RuleViolation, match="voided"):
        placement.void(event_id="v2", recorded_at=NOW, occurred_on=date(2023, 2, 1), reason=None)


def test_a_change_must_change_something():
    with pytest.raises(RuleViolation, match="one or more"):
        change(a_placement(), date(2023, 2, 1))


def test_change_of_form_mid_placement_splits_the_segments():
    placement = a_placement()
    change(
        placement, date(2023, 2, 1), form="familjehem", regi="egen", daily_cost=Decimal("620.00")
    )
    first, second = placement.segments()
    assert (first.first, first.last, first.terms.form) == (
        date(2023, 1, 10),
        date(2023, 1, 31),
        "hvb",
    )
    assert (second.first, second.last, second.terms.regi) == (date(2023, 2, 1), None, "egen")


def test_a_late_registered_earlier_change_applies_only_until_the_next_change():
    placement = a_placement()
    change(placement, date(2023, 3, 1), daily_cost=Decimal("5000.00"))
    change(placement, date(2023, 2, 1), form="sis", daily_cost=Decimal("6000.00"))
    terms = [(s.first, s.terms.form, s.terms.daily_cost) for s in placement.segments()]
    assert terms == [
        (date(2023, 1, 10), "hvb", Decimal("4150.00")),
        (date(2023, 2, 1), "sis", Decimal("6000.00")),
        (date(2023, 3, 1), "sis", Decimal("5000.00")),  # the form set on 1 Feb carries on
    ]


def test_replaying_history_rebuilds_the_same_state():
    placement = a_placement()
    change(placement, date(2023, 2, 1), form="familjehem")
    placement.end(event_id="x", recorded_at=NOW, occurred_on=date(2023, 3, 15), reason=None)
    replayed = None
    for domain_event in placement.collect_events():
        replayed = domain_event.mutate(replayed)
    assert replayed.segments() == placement.segments()
