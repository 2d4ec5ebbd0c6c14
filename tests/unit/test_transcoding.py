"""volym's orjson transcoder writes what the library's own JSON transcoder writes, so
either reads the other's events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex

from adapters.eventstore.transcoding import DateAsISO, make_mapper


class LaterDate(date):
    """A subclass, as freezegun's FakeDate is: it takes the general way."""


def library_transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return transcoder


STATE = {
    "occurred_on": date(2024, 2, 29),
    "recorded_at": datetime(2024, 3, 1, 8, 30, 5, 120, tzinfo=UTC),
    "naive": datetime(2024, 3, 1, 8, 30),
    "daily_cost": Decimal("2450.50"),
    "amount": Decimal("-0.10"),
    "payments": [{"month": date(2024, 1, 1), "amount": Decimal("7195.40")}],
    "text": "Malmö",
    "none": None,
}


def test_the_fast_transcoder_writes_what_the_library_writes() -> None:
    fast = make_mapper().transcoder
    assert json.loads(fast.encode(STATE)) == json.loads(library_transcoder().encode(STATE))


def test_each_reads_what_the_other_wrote() -> None:
    fast, library = make_mapper().transcoder, library_transcoder()
    assert library.decode(fast.encode(STATE)) == STATE
    assert fast.decode(library.encode(STATE)) == STATE
    assert type(fast.decode(fast.encode(STATE))["recorded_at"]) is datetime
    assert fast.decode(fast.encode({"id": UUID(int=7).hex}))["id"] == UUID(int=7).hex


def test_a_subclass_of_a_registered_type_is_written_as_that_type() -> None:
    fast = make_mapper().transcoder
    written = json.loads(fast.encode({"on": LaterDate(2025, 1, 2)}))
    assert written == {"on": {"_type_": "date_iso", "_data_": "2025-01-02"}}
