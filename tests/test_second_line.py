"""The second line of defence, on both stores: an event a projection cannot take (one the
feed's bounds would have refused, stored here behind their back) stops neither ingest nor
reports; the projection notes which event and why, `status` and `verify` name it, and a
rebuild goes on past it too."""

from datetime import UTC, date, datetime
from decimal import Decimal

from adapters import application
from domain.placement import Placement
from tests.helpers import ingest, started, total
from tests.test_cli import run


def store_behind_the_door(volym):
    """A placement with more accompanying children than any integer column holds."""
    placement = Placement.start(
        source="lifecare-test",
        placement_id="BAD",
        event_id="bad-1",
        recorded_at=datetime(2023, 1, 10, tzinfo=UTC),
        occurred_on=date(2023, 1, 10),
        person="a-pseudonym",
        birth_date=date(2012, 5, 14),
        sex="kvinna",
        target_group="barn_unga",
        form="hvb",
        legal_basis="sol",
        regi="extern",
        daily_cost=Decimal("1000.00"),
        accompanying_children=2**63,  # orjson writes it; neither database holds it
    )
    volym.events.put(placement.collect_events())
    return placement.id.hex


def failures(volym):
    return {s.projection: s.failures for s in application.status(volym)}


def test_an_event_a_projection_cannot_take_is_noted_and_everything_else_goes_on(volym):
    ingest(volym, started("P1", "2023-01-01"))
    bad = store_behind_the_door(volym)
    result = ingest(volym, started("P2", "2023-01-01"))  # catches up past it, then goes on
    assert result.accepted == 1
    assert total(volym, "2023-01")["care_days"] == 31 + 31  # P1 and P2, not BAD
    assert failures(volym) == {"placements": 1, "investigations": 0, "households": 0}
    (line,) = application.verify(volym)
    assert line.startswith("placements: event 2 (Placement.Started) of aggregate " + bad)
    assert "could not be applied and is left out" in line
    assert "a-pseudonym" not in line

    application.rebuild(volym)  # a rebuild notes it too, and builds everything else
    assert total(volym, "2023-01")["care_days"] == 31 + 31
    assert failures(volym)["placements"] == 1
    assert any(bad in line for line in application.verify(volym))


def test_status_and_verify_name_it_on_the_command_line(store_url, monkeypatch, capsys):
    from adapters.composition import open_volym
    from tests.helpers import TEST_KEY

    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-01"))
        store_behind_the_door(volym)
        ingest(volym, started("P2", "2023-01-01"))
    code, out, _ = run(monkeypatch, capsys, "status", "--db", store_url)
    assert code in (0, None) and "1 event(s) could not be applied" in out
    code, out, _ = run(monkeypatch, capsys, "verify", "--db", store_url)
    assert code == 1 and "could not be applied and is left out" in out
