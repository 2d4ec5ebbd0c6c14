"""The placement projection as a pure fold, without a database: events -> records ->
care-day segments, and the same records from the aggregate (the ingest's snapshot)."""

from datetime import date
from decimal import Decimal

from projections.placement_records import segment_rows
from projections.placements import apply, record_of
from tests.unit.test_placement_rules import NOW, a_placement, change


def folded(placement):
    records = {}
    for event in placement.collect_events():
        apply(records, event)
    return records[placement.id]


def test_a_late_change_splits_the_care_days_at_its_effective_day():
    placement = a_placement(date(2023, 1, 10))
    change(placement, date(2023, 2, 1), form="familjehem", daily_cost=Decimal("900.00"))
    placement.end(event_id="x", recorded_at=NOW, occurred_on=date(2023, 3, 15), reason=None)
    rows = segment_rows(folded(placement))
    spans = [(r.first, r.last, r.form, r.form_group, r.daily_cost) for r in rows]
    assert spans == [
        (date(2023, 1, 10), date(2023, 1, 31), "hvb", "institution", Decimal("4150.00")),
        (date(2023, 2, 1), date(2023, 3, 15), "familjehem", "familjehem", Decimal("900.00")),
    ]
    days = sum((r.last - r.first).days + 1 for r in rows)
    assert days == 22 + 28 + 15


def test_a_voided_placement_has_no_segments():
    placement = a_placement()
    placement.void(event_id="v", recorded_at=NOW, occurred_on=date(2023, 2, 1), reason=None)
    assert segment_rows(folded(placement)) == []


def test_the_aggregates_snapshot_gives_the_same_rows_as_the_fold_of_its_events():
    placement = a_placement()
    change(placement, date(2023, 2, 1), regi="egen")
    from_events = segment_rows(folded(placement))
    assert segment_rows(record_of(placement, persisted=False)) == from_events
