import json

import pytest

from adapters.feed.contract import FeedContract, LineRejected
from adapters.feed.identity import Pseudonymizer
from adapters.streams import STREAMS
from tests.helpers import GIRL, changed, started

P = Pseudonymizer(b"k" * 32)
parse_line = FeedContract([model for s in STREAMS for model in s.feed_events]).parse_line


def reasons(event):
    with pytest.raises(LineRejected) as caught:
        parse_line(json.dumps(event) if not isinstance(event, str) else event, P)
    return caught.value.reasons


def test_the_example_line_parses_and_carries_a_pseudonym_not_the_number():
    parsed = parse_line(json.dumps(started("P1", "2023-01-10")), P)
    assert parsed.event.person.birth_date.isoformat() == "2012-05-14"
    assert GIRL not in repr(parsed.event)


def test_every_reason_of_a_bad_line_is_named_with_its_field():
    event = started("P1", "2023-02-30", form="hvbx", daily_cost="10.005", unaccompanied="yes")
    event["persn"] = 1
    found = reasons(event)
    fields = sorted(r.split(":")[0] for r in found)
    assert fields == ["daily_cost", "form", "occurred_on", "persn", "unaccompanied"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("daily_cost", "-1.00", "non-negative"),
        ("daily_cost", True, "decimal"),
        ("accompanying_children", -1, "greater than or equal"),
        ("accompanying_children", "2", "integer"),
        ("occurred_on", "20230110", "YYYY-MM-DD"),
        ("recorded_at", "2023-01-10T10:00:00", "timezone"),
        ("source", "Lifecare Nacka", "pattern"),
        ("event_id", "x" * 129, "at most 128"),
        ("person", "201205142382", "check digit"),
    ],
)
def test_field_rules_of_the_contract(field, value, reason):
    event = started("P1", "2023-01-10")
    event[field] = value
    (found,) = reasons(event)
    assert found.startswith(field + ":") and reason in found


def test_a_bad_personnummer_is_never_echoed_in_the_reason():
    event = started("P1", "2023-01-10", person="201205142382")
    assert "201205142382" not in " ".join(reasons(event))


def test_missing_required_fields_are_each_named():
    event = started("P1", "2023-01-10")
    del event["form"], event["regi"]
    assert sorted(reasons(event)) == [
        "form: required field is missing",
        "regi: required field is missing",
    ]


def test_a_change_that_changes_nothing_is_refused():
    assert "one or more of" in reasons(changed("P1", "2023-02-01"))[0]


def test_unknown_types_and_broken_json_are_refused_with_a_reason():
    assert reasons(started("P1", "2023-01-10", type="placement.moved"))[0].startswith(
        "type: unknown"
    )
    assert reasons("{not json")[0].startswith("not valid JSON")
    assert reasons("[1, 2]") == ["a line must be one JSON object"]
