"""The bulk log reader decodes stored events into the same objects as the library's
mapper, whether msgspec takes an event's shape or hands it back to the library."""

from __future__ import annotations

import inspect
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import Notification, StoredEvent

import domain.household
import domain.investigation
import domain.placement
from adapters.eventstore.codec import event_decoder
from adapters.eventstore.log_reader import EventDecoder, read_rows, read_stream_rows
from adapters.eventstore.transcoding import FastTranscoder, make_mapper
from tests.helpers import (
    WOMAN,
    assessed,
    changed,
    closed,
    composition,
    ended,
    extended,
    household,
    household_closed,
    ingest,
    opened,
    paid,
    reported,
    reversal,
    started,
    voided,
)

PREFIXES = ("domain.placement:", "domain.investigation:", "domain.household:")


def _same(ours: list[Any], library: list[Any]) -> None:
    assert [type(e) for e in ours] == [type(e) for e in library]
    assert [vars(e) for e in ours] == [vars(e) for e in library]


def test_every_stored_event_decodes_as_the_library_decodes_it(volym):
    ingest(
        volym,
        started("P1", "2024-01-10", provider="Ekbacken", accompanying_children=1),
        changed("P1", "2024-02-01", daily_cost="1234.50", form="jourhem"),
        ended("P1", "2024-02-29"),
        started("P2", "2024-03-01"),
        voided("P2", "2024-03-02"),
        reported("U1", "2024-01-02", reporter="polis"),
        assessed("U1", "2024-01-09"),
        opened("U1", "2024-01-10"),
        extended("U1", "2024-05-01", until="2024-06-30", reason="komplettering"),
        closed("U1", "2024-06-01"),
        household("H1", "2024-01-05", co_applicant=WOMAN, children=2),
        composition("H1", "2024-03-01", co_applicant=None, children=3),
        paid("H1", "2024-01-20", "B1", "2024-01", "7195.40"),
        reversal("H1", "2024-02-01", "B1"),
        household_closed("H1", "2024-04-30"),
    )
    rows = read_rows(volym.recorder, 0, 1000)
    notifications = volym.recorder.select_notifications(start=None, limit=1000)
    library = [volym.events.mapper.to_domain_event(n) for n in notifications]
    assert len(library) == 15
    _same(EventDecoder(volym.events.mapper, PREFIXES).decode(rows), library)


def test_every_domain_event_class_is_decoded_without_the_library():
    transcoder = make_mapper().transcoder
    assert isinstance(transcoder, FastTranscoder)
    classes = [
        cls
        for module in (domain.placement, domain.investigation, domain.household)
        for _, aggregate in inspect.getmembers(module, inspect.isclass)
        if issubclass(aggregate, Aggregate) and aggregate.__module__ == module.__name__
        for _, cls in inspect.getmembers(aggregate, inspect.isclass)
        if issubclass(cls, DomainEvent) and cls.__qualname__.startswith(aggregate.__name__)
    ]
    assert len(classes) >= 14
    for cls in classes:
        assert event_decoder(cls, transcoder.plain_tags(), transcoder.untag), cls


class Note(Aggregate):
    class Written(Aggregate.Created):
        on: date
        amount: Decimal
        text: str | None

    class Amended(Aggregate.Event):
        class_version = 2
        on: date
        by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["by"] = state["by"].upper()  # version 1 stored initials in lower case


def _row(cls: type, state: bytes, version: int = 1) -> tuple[Any, ...]:
    topic = f"{cls.__module__}:{cls.__qualname__}"
    return (version, uuid4().hex, version, topic, state)


def _by_library(rows: list[tuple[Any, ...]]) -> list[Any]:
    mapper = make_mapper()
    return [mapper.to_domain_event(Notification(o, v, t, s, n)) for n, o, v, t, s in rows]


_STAMP = b'"timestamp":{"_type_":"datetime_iso","_data_":"2024-01-01T10:00:00+00:00"}'


def _decoded_as_by_library(cls: type, fields: bytes) -> Any:
    """One event of `cls` stored with a timestamp and `fields`, decoded by both."""
    rows = [_row(cls, b"{" + _STAMP + b"," + fields + b"}", 2)]
    decoded = EventDecoder(make_mapper(), __name__).decode(rows)
    _same(decoded, _by_library(rows))
    return decoded[0]


def test_an_event_stored_by_an_older_class_version_is_upcast_as_by_the_library():
    fields = b'"on":{"_type_":"date_iso","_data_":"2024-01-01"},"by":"ab"'
    assert _decoded_as_by_library(Note.Amended, fields).by == "AB"


def test_a_stored_state_of_another_shape_is_decoded_by_the_library():
    states = [
        # today's shape, for contrast
        b'{' + _STAMP + b',"originator_topic":"t","on":{"_type_":"date_iso","_data_":"2024-01-01"},'
        b'"amount":{"_type_":"decimal_str","_data_":"10.50"},"text":null}',
        # a field the class no longer has
        b'{' + _STAMP + b',"originator_topic":"t","on":{"_type_":"date_iso","_data_":"2024-01-01"},'
        b'"amount":{"_type_":"decimal_str","_data_":"10.50"},"text":"a","gone":1}',
        # a field missing
        b'{' + _STAMP + b',"originator_topic":"t","on":{"_type_":"date_iso","_data_":"2024-01-01"},'
        b'"text":"a"}',
        # a datetime where today's class has a date
        b'{' + _STAMP + b',"originator_topic":"t",'
        b'"on":{"_type_":"datetime_iso","_data_":"2024-01-01T08:00:00"},'
        b'"amount":{"_type_":"decimal_str","_data_":"10.50"},"text":"a"}',
    ]
    rows = [_row(Note.Written, state) for state in states]
    decoded = EventDecoder(make_mapper(), __name__).decode(rows)
    _same(decoded, _by_library(rows))
    assert decoded[0].amount == Decimal("10.50") and decoded[0].text is None
    assert not hasattr(decoded[2], "amount") and decoded[1].gone == 1
    assert type(decoded[3].on).__name__ == "datetime"


def test_stored_event_round_trip_keeps_decimal_places():
    mapper = make_mapper()
    event = Note.Written(
        originator_id=uuid4(), originator_version=1, timestamp=Note.Written.create_timestamp(),
        originator_topic="x", on=date(2024, 2, 29), amount=Decimal("1000.00"), text="x",
    )
    stored: StoredEvent = mapper.to_stored_event(event)
    row = (1, stored.originator_id.hex, 1, stored.topic, stored.state)
    decoded = EventDecoder(mapper, __name__).decode([row])[0]
    assert str(decoded.amount) == "1000.00" and decoded.on == date(2024, 2, 29)


class Odd(Aggregate):
    class Seen(Aggregate.Event):
        what: Unresolvable  # type: ignore[name-defined]  # noqa: F821 - never defined


def test_an_event_class_whose_annotations_cannot_be_resolved_is_decoded_by_the_library():
    fields = b'"what":{"_type_":"date_iso","_data_":"2024-01-01"}'
    assert _decoded_as_by_library(Odd.Seen, fields).what == date(2024, 1, 1)


def _digit(originator_id: Any) -> int:
    return int(str(originator_id)[-1], 16)


def test_a_share_of_the_log_is_read_in_order_once_whatever_the_batch(volym):
    ingest(volym, *[started(f"P{n}", "2024-01-10") for n in range(40)])
    everything = read_rows(volym.recorder, 0, 1000)
    last = everything[-1][0]
    for digits in [(0, 8), (8, 16), (3, 4), (15, 16)]:
        for limit in (1, 3, 1000):
            got, position = [], 0
            while rows := read_rows(volym.recorder, position, limit, upto=last, digits=digits):
                assert len(rows) <= limit
                got.extend(rows)
                position = rows[-1][0]
            expected = [r for r in everything if digits[0] <= _digit(r[1]) < digits[1]]
            assert [r[0] for r in got] == [r[0] for r in expected], (digits, limit)
    assert read_rows(volym.recorder, 0, 1000, upto=last - 5) == everything[:-5]


def test_a_streams_rows_are_read_in_order_once_whatever_the_window(volym):
    ingest(
        volym,
        *[started(f"P{n}", "2024-01-10") for n in range(6)],
        *[reported(f"U{n}", "2024-01-02") for n in range(6)],
        started("P9", "2024-02-01"),
        reported("U9", "2024-02-02"),
    )
    everything = read_rows(volym.recorder, 0, 1000)
    last = everything[-1][0]
    for prefix in PREFIXES:
        for after, upto in [(0, last), (3, last - 1), (last, last)]:
            expected = [
                r for r in everything if after < r[0] <= upto and r[3].startswith(prefix)
            ]
            for window in (1, 4, 1000):
                got = read_stream_rows(volym.recorder, prefix, after, upto, window)
                assert got == expected, (prefix, after, upto, window)
    assert read_stream_rows(volym.recorder, "domain.placement:", 0, last, 4)  # not vacuous
