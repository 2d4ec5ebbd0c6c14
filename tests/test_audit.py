"""For auditors, on both stores: `volym verify` names any difference between the live
projections and a rebuild; `volym explain` shows what changed a figure since a report."""

import gc
import json

from freezegun import freeze_time
from sqlalchemy import update

import adapters.reports.explain as explaining
from adapters.composition import open_volym
from adapters.streams import HOUSEHOLDS
from tests.helpers import (
    MAN,
    TEST_KEY,
    closed,
    ended,
    household,
    ingest,
    live_view,
    opened,
    paid,
    reported,
    reversal,
    started,
)
from tests.test_cli import run


def test_verify_passes_on_a_faithful_store_and_names_a_tampered_row(store_url, monkeypatch, capsys):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(
            volym,
            started("P1", "2023-01-01"),
            reported("C1", "2023-01-02"),
            household("H1", "2023-01-01"),
            paid("H1", "2023-01-25", "B1", "2023-01", "1000"),
        )
    code, out, _ = run(monkeypatch, capsys, "verify", "--db", store_url)
    assert code in (0, None) and "verified" in out
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        view = live_view(volym)
        payments = live_view(volym, HOUSEHOLDS).payment
        with volym.engine.begin() as conn:
            conn.execute(update(view.tables.segment).values(cost_ore=1))
            conn.execute(update(payments).values(amount_ore=5))
    code, out, err = run(monkeypatch, capsys, "verify", "--db", store_url)
    assert code == 1 and "2 difference(s)" in err
    assert "placements: placement_segment: 1 rows different in the live model" in out
    assert "households: household_payment: 1 rows different in the live model" in out
    assert "/B1" in out  # the row is named by its key: household and payment id


def test_explain_shows_the_figures_then_and_now_and_the_late_events_behind_them(
    store_url, monkeypatch, capsys
):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        with freeze_time("2023-04-05 10:00:00"):
            ingest(volym, started("P1", "2023-01-01"), ended("P1", "2023-03-31"))
        with freeze_time("2023-05-20 10:00:00"):  # after the report to the nämnd
            ingest(
                volym,
                ended("P1", "2023-02-28", reason="rättelse"),  # end corrected
                started("P2", "2023-03-15", person=MAN, target_group="vuxna_ovriga"),  # late
                started("P3", "2022-05-01"),  # late too, but outside the period
                ended("P3", "2022-06-30"),
            )
    code, out, _ = run(
        monkeypatch,
        capsys,
        "explain",
        "placements",
        "--period",
        "2023-Q1",
        "--as-of",
        "2023-04-30T12:00:00",
        "--format",
        "json",
        "--db",
        store_url,
    )
    result = json.loads(out)
    assert code in (0, None)
    (difference,) = result["differences"]
    assert difference["period"] == "2023-Q1"
    assert difference["measures"]["care_days"] == {"then": 90, "now": 59 + 17}
    assert difference["measures"]["persons"] == {"then": 1, "now": 2}
    causes = {c["id"]: c["events"] for c in difference["causes"]}
    assert set(causes) == {"P1", "P2"}
    assert [(e["type"], e["occurred_on"]) for e in causes["P1"]] == [
        ("placement.ended", "2023-02-28")
    ]
    assert causes["P1"][0]["stored_at"].startswith("2023-05-20T10:00:00")
    assert '"person"' not in out and '"birth_date"' not in out and "201205142381" not in out


def test_explain_builds_its_answer_with_the_collector_off_and_turns_it_back_on(
    store_url, monkeypatch, capsys
):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        with freeze_time("2023-04-05 10:00:00"):
            ingest(volym, started("P1", "2023-01-01"))
        with freeze_time("2023-05-20 10:00:00"):
            ingest(volym, ended("P1", "2023-02-28"))
    seen = []
    histories = explaining.event_history

    def history_seen(events):
        seen.append(gc.isenabled())
        return histories(events)

    monkeypatch.setattr(explaining, "event_history", history_seen)
    code, out, _ = run(
        monkeypatch, capsys, "explain", "placements", "--period", "2023-Q1",
        "--as-of", "2023-04-30T12:00:00", "--format", "json", "--db", store_url,
    )  # fmt: skip
    assert code in (0, None) and json.loads(out)["differences"]
    assert seen and not any(seen)
    assert gc.isenabled()


def test_explain_by_group_for_investigations_and_households(store_url, monkeypatch, capsys):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        with freeze_time("2024-01-10 08:00:00"):
            ingest(
                volym,
                reported("C1", "2023-10-01"),
                opened("C1", "2023-10-02"),
                household("H1", "2023-01-01"),
                paid("H1", "2023-12-20", "B1", "2023-12", "8000"),
            )
        with freeze_time("2024-02-10 08:00:00"):
            ingest(
                volym,
                closed("C1", "2023-12-28", outcome="ingen_insats"),
                reversal("H1", "2024-02-01", "B1"),
            )
    as_of = ("--as-of", "2024-01-31T00:00:00", "--format", "json", "--db", store_url)
    _, out, _ = run(
        monkeypatch, capsys, "explain", "investigations", "--period", "2023-Q4",
        "--by", "target_group", *as_of,
    )  # fmt: skip
    (difference,) = json.loads(out)["differences"]
    assert difference["group"] == {"target_group": "barn_unga"}
    assert difference["measures"]["closed"] == {"then": 0, "now": 1}
    assert difference["measures"]["ongoing_on_last_day"] == {"then": 1, "now": 0}
    assert [c["id"] for c in difference["causes"]] == ["C1"]
    _, out, _ = run(
        monkeypatch, capsys, "explain", "households", "--period", "2023-12", *as_of
    )  # fmt: skip
    (difference,) = json.loads(out)["differences"]
    assert difference["measures"]["household_months"] == {"then": 1, "now": 0}
    (cause,) = difference["causes"]
    assert [e["type"] for e in cause["events"]] == ["household.payment_reversed"]


def test_rebuild_command_rebuilds_every_projection_from_one_reading(store_url, monkeypatch, capsys):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(
            volym,
            started("P1", "2023-01-01"),
            ended("P1", "2023-02-10"),
            reported("C1", "2023-01-02"),
            opened("C1", "2023-01-03"),
            household("H1", "2023-01-01"),
            paid("H1", "2023-01-25", "B1", "2023-01", "1000"),
            reversal("H1", "2023-02-01", "B1", amount="400"),
        )
    code, out, _ = run(monkeypatch, capsys, "rebuild", "--db", store_url)
    assert code in (0, None)
    for name in ("placements", "investigations", "households"):
        assert f"rebuilt {name} (generation 2)" in out
    assert "from 7 stored events" in out
    code, out, _ = run(monkeypatch, capsys, "verify", "--db", store_url)
    assert code in (0, None) and "verified" in out
    code, out, _ = run(monkeypatch, capsys, "status", "--format", "json", "--db", store_url)
    rows = json.loads(out)["projections"]
    assert {(r["projection"], r["generation"], r["lag"]) for r in rows} == {
        ("placements", 2, 0),
        ("investigations", 2, 0),
        ("households", 2, 0),
    }
