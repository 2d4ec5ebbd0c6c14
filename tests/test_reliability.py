"""The reliability suite, on both stores: arbitrary values in every field of every event
type are rejected with reasons or accepted, and whatever is accepted can be projected,
reported, verified and rebuilt; no personnummer in any written form reaches a store."""

import itertools
import json
from datetime import date

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import application
from adapters.feed.identity import parse_identifier
from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed
from adapters.synthetic.placements import placement_feed
from tests.helpers import (
    GIRL,
    MAN,
    assessed,
    changed,
    closed,
    composition,
    ended,
    extended,
    household,
    household_closed,
    ingest,
    lines,
    opened,
    paid,
    rebuild,
    reported,
    reversal,
    started,
    voided,
)

_ids = itertools.count(1)


def histories():
    """For each event type: the events before it, and the event itself (all valid)."""
    n = next(_ids)
    p, c, h = f"P{n}", f"C{n}", f"H{n}"
    return {
        "placement.started": ([], started(p, "2023-01-10")),
        "placement.changed": ([started(p, "2023-01-10")], changed(p, "2023-02-01", form="sis")),
        "placement.ended": ([started(p, "2023-01-10")], ended(p, "2023-03-15", reason="klar")),
        "placement.voided": ([started(p, "2023-01-10")], voided(p, "2023-01-10")),
        "investigation.reported": ([], reported(c, "2023-01-02", reporter="skola")),
        "investigation.assessed": ([reported(c, "2023-01-02")], assessed(c, "2023-01-10")),
        "investigation.opened": (
            [reported(c, "2023-01-02"), assessed(c, "2023-01-10")],
            opened(c, "2023-01-11"),
        ),
        "investigation.extended": (
            [reported(c, "2023-01-02"), opened(c, "2023-01-11")],
            extended(c, "2023-05-01", until="2023-07-01", reason="mer tid"),
        ),
        "investigation.closed": (
            [reported(c, "2023-01-02"), opened(c, "2023-01-11")],
            closed(c, "2023-03-01"),
        ),
        "household.registered": ([], household(h, "2023-01-01", children=1)),
        "household.changed": (
            [household(h, "2023-01-01")],
            composition(h, "2023-02-01", children=2),
        ),
        "household.paid": (
            [household(h, "2023-01-01")],
            paid(h, "2023-01-25", f"B{n}", "2023-01", "9000"),
        ),
        "household.payment_reversed": (
            [household(h, "2023-01-01"), paid(h, "2023-01-25", f"B{n}", "2023-01", "9000")],
            reversal(h, "2023-02-01", f"B{n}", amount="100"),
        ),
        "household.closed": ([household(h, "2023-01-01")], household_closed(h, "2023-03-31")),
    }


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**100), max_value=2**100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            # Near the valid ones: what gets accepted with an unusual value.
            "2023-01-10", "1900-01-01", "2100-12-31", "2023-01", "2100-12", "0.00", "999999.99",
            "9999999.99", "1e3", "P1", "", " ", "\u0000", "\ud800", "a\nb", "hvb", "sis",
            "barn_unga", "vuxna_ovriga", "inled_utredning", "insats", "ovrigt", GIRL, MAN,
            "19121212-1212", "２０１２０５１４２３８１", "2023-01-10T08:00:00+01:00",
            "x" * 129, "x" * 501, "9" * 40,
        ]
    )
    | st.sampled_from([0, 1, 20, 30, 31, -1, 2**63, 10**30, 1.5, 0.001, 9999999.99])
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=4,
)
TYPES = sorted(histories())
EVERYTHING = "1900-01-01..2100-12-31"


def reports(volym):
    """Every report over every year volym counts, split by one dimension each."""
    found = {}
    for name, by in (("placements", "form"), ("investigations", "route"), ("households", "kind")):
        periods = (EVERYTHING, "2023") if name != "households" else ("1900-01..2100-12",)
        for period in periods:
            request = application.report_request(name, [period], [by])
            found[name, period] = application.report(volym, request).report
    return found


def test_any_json_value_in_any_field_is_a_reason_or_an_event_the_store_can_take(volym):
    accepted = {"n": 0}

    @settings(
        max_examples=80,
        deadline=None,
        derandomize=True,  # CI sees the same examples every run
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(kind=st.sampled_from(TYPES), choice=st.integers(min_value=0), value=json_values)
    def one_field(kind, choice, value):
        before, event = histories()[kind]
        assert ingest(volym, *before).rejected == 0
        field = sorted(event)[choice % len(event)]
        line = json.dumps({**event, field: value})
        result = application.ingest_lines(volym, [line])
        assert result.lines_read == 1
        if result.rejected:
            (rejection,) = result.rejections
            assert rejection.reasons and all(r.strip() for r in rejection.reasons)
            return
        accepted["n"] += result.accepted
        reports(volym)  # must not fail, whatever was accepted

    one_field()
    live = reports(volym)
    assert application.verify(volym) == []
    for stream in ("placements", "investigations", "households"):
        from adapters.streams import stream_named

        rebuild(volym, stream_named(stream))
    assert reports(volym) == live
    assert application.verify(volym) == []
    assert accepted["n"] > 0  # some odd values are valid: the test saw the accepted path


def _written_forms(number: str) -> set[str]:
    """Every way feed.md lets a personnummer be written, and 10 digits run together."""
    long, short = number, number[2:]
    return {long, f"{long[:8]}-{long[8:]}", f"{short[:6]}-{short[6:]}", short}


def _persons(feed_lines):
    """Each person of the feed as YYYYMMDDNNNC, whatever form the line wrote."""
    for line in feed_lines:
        event = json.loads(line)
        on = date.fromisoformat(event["occurred_on"])
        for name in ("person", "applicant", "co_applicant"):
            if event.get(name):
                yield parse_identifier(event[name], on).canonical


def test_no_personnummer_in_any_written_form_reaches_the_store(store_url, tmp_path):
    from adapters.composition import open_volym
    from tests.helpers import TEST_KEY

    feed = [
        *placement_feed(7, 0.02),
        *case_feed(7, 0.02),
        *household_feed(7, 0.02),
    ]
    numbers = set(_persons(feed))
    assert len(numbers) > 50 and all(len(n) == 12 for n in numbers)
    forms = set().union(*(_written_forms(n) for n in numbers))
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        result = application.ingest_lines(volym, feed)
        assert result.accepted > 1000
        application.rebuild(volym)
        stored = _everything_stored(volym, store_url)
    found = [f for f in forms if f.encode() in stored]
    assert found == [], f"{len(found)} personnummer forms found in the store"


def _everything_stored(volym, store_url):
    if not volym.is_postgres:
        path = volym.sqlite_path
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    base, _, schema = store_url.partition("?schema=")
    parts = []
    with psycopg.connect(base) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t').fetchall()
            parts += [row[0].encode() for row in rows]
    assert len(parts) > 1000
    return b"\n".join(parts)


def test_the_suite_knows_every_event_type():
    assert len(TYPES) == 14
    for kind, (_, event) in histories().items():
        assert event["type"] == kind
    assert lines  # the builders' encoding is the feed's
