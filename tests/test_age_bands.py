"""issue 14, item 10: the municipality's own age bands beside reports.md's age groups, on
both stores, computed by hand; each row labelled by its band."""

from datetime import UTC, datetime

import pytest

from adapters import application
from adapters.errors import UserError
from tests.helpers import MAN, ended, ingest, reported, started

YOUNG = "200503012387"  # born 1 March 2005: 17 on 28 February 2023, 19 on 1 March 2024


def given_three_placements(volym):
    ingest(
        volym,
        started("P1", "2023-02-28", person=YOUNG),  # 17 on the first day
        ended("P1", "2023-03-09"),  # 10 days
        started("P2", "2024-03-01", person=YOUNG),  # 19 on the first day
        started("P3", "2024-03-10", person=MAN, target_group="vuxna_missbruk"),  # 38
    )


def rows_by_band(report):
    return {row["age_group"]: row["care_days"] for row in report["rows"]}


def test_placements_are_split_by_the_bands_on_their_first_day(volym):
    given_three_placements(volym)
    report = report_of_bands(volym, "2024-03", "0-18,19-20")
    # P2 in care all March (31 days); P3 from the 10th (22 days), outside every band.
    assert rows_by_band(report) == {"19-20": 31, "other": 22}
    assert report["totals"][0]["care_days"] == 53 and report["age_bands"] == ["0-18", "19-20"]
    earlier = report_of_bands(volym, "2023-02..2023-03", "0-16,17-20")
    assert rows_by_band(earlier) == {"17-20": 10}  # reports.md's group would be 13-17


def test_a_filter_by_band_keeps_only_that_band_and_the_report_as_of_agrees(volym):
    given_three_placements(volym)
    asked = application.report_request(
        "placements", ["2024-03"], (), ["age_group=19-20"], None, "0-18,19-20"
    )
    live = application.report(volym, asked).report
    assert rows_by_band(live) == {"19-20": 31} and live["totals"][0]["care_days"] == 31
    as_of = application.report_request(
        "placements", ["2024-03"], (), ["age_group=19-20"], _far_future(), "0-18,19-20"
    )
    replayed = application.report(volym, as_of).report  # from the log, not the read model
    assert replayed["rows"] == live["rows"]


def test_investigations_are_split_by_the_age_on_the_day_reported(volym):
    ingest(
        volym,
        reported("U1", "2024-02-29", person=YOUNG),  # 18: the birthday is the next day
        reported("U2", "2024-03-01", person=YOUNG),  # 19
        reported("U3", "2024-03-02", person=YOUNG),  # 19
    )
    report = report_of_bands(volym, "2024-Q1", "0-18,19-20", kind="investigations")
    assert {r["age_group"]: r["reported"] for r in report["rows"]} == {"0-18": 1, "19-20": 2}
    filtered = application.report(
        volym,
        application.report_request(
            "investigations", ["2024-Q1"], (), ["age_group=0-18"], None, "0-18,19-20"
        ),
    ).report
    assert [r["reported"] for r in filtered["rows"]] == [1]
    assert filtered["totals"][0]["reported"] == 1


@pytest.mark.parametrize(
    ("kind", "bands", "where", "message"),
    [
        ("placements", "0-18,18-20", [], "overlaps or comes before 0-18"),
        ("placements", "0-18,19-20", ["age_group=13-17"], "not a value of age_group"),
        ("households", "0-18", [], "households have no age to band"),
    ],
)
def test_bad_bands_are_refused_before_anything_is_read(kind, bands, where, message):
    with pytest.raises(UserError, match=message):
        application.report_request(kind, ["2024"], (), where, None, bands)


def report_of_bands(volym, period, bands, kind="placements"):
    asked = application.report_request(kind, [period], (), (), None, bands)
    return application.report(volym, asked).report


def _far_future():
    return datetime(2100, 1, 1, tzinfo=UTC)


def test_the_command_line_labels_each_row_by_its_band(store_url, monkeypatch, capsys):
    from adapters.composition import open_volym
    from tests.helpers import TEST_KEY
    from tests.test_cli import run

    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        given_three_placements(volym)
    code, out, err = run(
        monkeypatch, capsys, "report", "placements", "--period", "2024-03",
        "--age-bands", "0-18,19-20", "--db", store_url,
    )  # fmt: skip
    assert code == 0, err
    assert "19-20 år" in out and "Övriga åldrar" in out
    code, _, err = run(
        monkeypatch, capsys, "report", "placements", "--period", "2024", "--age-bands", "0-18,x",
        "--db", store_url,
    )  # fmt: skip
    assert code == 1 and "--age-bands 0-18,x: x: write a band as FROM-TO or FROM+" in err
