"""budget.md on both stores: the budget file stored as events, the verksamhetsmått report
computed by hand on small histories, and the contract's example table reproduced."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.application import budgeting
from adapters.composition import open_volym
from adapters.errors import UserError
from tests.helpers import TEST_KEY, ended, household, ingest, paid, started
from tests.test_cli import run

HEADER = "year;row;label;kind;measure;where;budget\n"
SMALL = (
    HEADER + "2021;inst;Institutionsvård barn och unga, årsplatser;placements;average_placements;"
    "target_group=barn_unga;1,0\n"
    "2021;instkost;Kostnad;placements;cost;target_group=barn_unga;300000\n"
    "2021;instdagar;Vårddygn;placements;care_days;target_group=barn_unga;365\n"
)


def budget_file(tmp_path: Path, text: str, name: str = "budget.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_events(volym) -> int:
    return volym.recorder.max_notification_id() or 0


def test_importing_the_same_file_twice_stores_nothing_new(volym, tmp_path):
    path = budget_file(tmp_path, SMALL)
    assert budgeting.import_budget_file(volym, path, "controller") == {2021: "imported"}
    after_first = stored_events(volym)
    assert budgeting.import_budget_file(volym, path, "controller") == {2021: "unchanged"}
    assert stored_events(volym) == after_first


def test_a_revised_budget_replaces_the_earlier_and_as_of_shows_the_one_in_force(volym, tmp_path):
    budgeting.import_budget_file(volym, budget_file(tmp_path, SMALL), "controller")
    between = datetime.now(UTC)
    revised = SMALL.replace("target_group=barn_unga;1,0", "target_group=barn_unga;2,5")
    assert budgeting.import_budget_file(volym, budget_file(tmp_path, revised, "b2.csv"), "c") == {
        2021: "revised"
    }
    now = budgeting.show_budget(volym, 2021)
    then = budgeting.show_budget(volym, 2021, as_of=between)
    assert now["rows"][0]["budget"] == 2.5 and then["rows"][0]["budget"] == 1.0
    assert (now["revision"], then["revision"]) == (2, 1)


def test_a_bad_file_names_each_cell_and_stores_nothing(volym, tmp_path):
    bad = (
        HEADER
        + "2021;ok_row;Bra;placements;care_days;;100\n"
        + "2021;Bad Key;X;placements;care_days;;100\n"
        + "2021;x;X;placements;persons;;1\n"
        + "2021;y;Y;households;amount;colour=red;1a\n"
        + "2021;ok_row;Igen;placements;cost;;5\n"
    )
    with pytest.raises(UserError) as raised:
        budgeting.import_budget_file(volym, budget_file(tmp_path, bad), "controller")
    message = str(raised.value)
    assert "line 3, column row" in message
    assert "line 4, column measure: persons cannot be budgeted" in message
    assert "line 5, column where" in message and "line 5, column budget" in message
    assert "line 6, column row: ok_row appears twice in 2021" in message
    assert stored_events(volym) == 0


def test_twelve_months_that_do_not_add_up_to_the_year_are_refused(volym, tmp_path):
    months = ";".join(["10"] * 12)
    text = (
        "year;row;label;kind;measure;budget;"
        + ";".join(f"m{n:02d}" for n in range(1, 13))
        + "\n2021;a;A;placements;care_days;121;"
        + months
        + "\n"
    )
    with pytest.raises(UserError, match="line 2, column budget: the months add up to 120"):
        budgeting.import_budget_file(volym, budget_file(tmp_path, text), "controller")


def small_history(volym):
    # P1 in care 1 March - 30 June 2020 (122 days); P2 from 1 February 2021, still in care;
    # P3 1 May - 31 July 2021 (92 days). 1 000 kr a day each.
    ingest(
        volym,
        started("P1", "2020-03-01"),
        ended("P1", "2020-06-30"),
        started("P2", "2021-02-01"),
        started("P3", "2021-05-01"),
        ended("P3", "2021-07-31"),
    )


def test_verksamhetsmatt_by_hand(volym, tmp_path):
    small_history(volym)
    budgeting.import_budget_file(volym, budget_file(tmp_path, SMALL), "controller")
    rows = {r["row"]: r for r in budgeting.verksamhetsmatt(volym, "2021-01..2021-08")["rows"]}
    days = rows["instdagar"]
    # P2 212 days (Feb-Aug) + P3 92 = 304; in 2020 the same dates: P1's 122 days.
    assert (days["outcome"], days["outcome_previous_year"]) == (304, 122)
    assert days["budget"] == 243  # 365 spread by days over the 243 of January-August
    assert days["deviation"] == 61 and days["deviation_sense"] == "more_than_budget"
    # Run-rate: P2 stays September-December, 122 days.
    assert days["forecast_run_rate"] == 426
    # Kaplan-Meier over the three years before 31 August 2021: ended after 92 (P3) and
    # 122 (P1) days, P2 censored at 212: S = 2/3 from 92 days, 1/3 from 122. P2 (day 212)
    # stays the 122 days left. New placements: 2 in the twelve months (P2, P3) a day
    # 2/365, each starting n days before the year's end in care n days if n <= 92, else
    # 92 + 2/3 (n - 92): 4 278 + 3 070 = 7 348 days x 2/365.
    assert days["forecast_computed"] == pytest.approx(426 + 7348 * 2 / 365, abs=0.005)
    assert days["budget_year"] == 365
    places = rows["inst"]
    assert places["outcome"] == round(304 / 243, 2) and places["budget"] == 1.0
    assert places["outcome_previous_year"] == round(122 / 244, 2)  # 2020 is a leap year
    assert places["forecast_run_rate"] == round(426 / 365, 2)
    cost = rows["instkost"]
    assert (cost["outcome"], cost["budget"]) == (304_000, round(300_000 * 243 / 365, 2))
    assert cost["deviation_sense"] == "below_budget"
    assert cost["deviation"] == round(300_000 * 243 / 365 - 304_000, 2)
    # Volume: (243 - 304) x the budget's 821.92 kr a day; price: the rest, adding up.
    assert cost["volume_part"] == round(-61 * 300_000 / 365, 2)
    assert round(cost["volume_part"] + cost["price_part"], 2) == cost["deviation"]
    assert days["volume_part"] is None and places["volume_part"] is None


def test_a_forecast_override_is_marked_with_the_computed_one_beside_it(volym, tmp_path):
    small_history(volym)
    budgeting.import_budget_file(volym, budget_file(tmp_path, SMALL), "controller")
    for bad in ("NaN", "1e3", "9,2 platser"):  # read as the budget file's numbers are
        with pytest.raises(UserError, match="not a number"):
            budgeting.set_forecast(volym, 2021, "inst", bad, "skäl", "controller")
    budgeting.set_forecast(volym, 2021, "inst", "1,1", "P2 avslutas i september", "controller")
    row = budgeting.verksamhetsmatt(volym, "2021-01..2021-08")["rows"][0]
    assert row["forecast"] == 1.1 and row["forecast_computed"] != 1.1
    assert row["forecast_override"] == {"value": 1.1, "reason": "P2 avslutas i september"}
    assert row["deviation_year"] == pytest.approx(0.1)
    budgeting.clear_forecast(volym, 2021, "inst", "controller")
    row = budgeting.verksamhetsmatt(volym, "2021-01..2021-08")["rows"][0]
    assert row["forecast"] == row["forecast_computed"] and row["forecast_override"] is None
    with pytest.raises(UserError, match="not overridden"):
        budgeting.clear_forecast(volym, 2021, "inst", "controller")


def test_households_forecast_by_the_last_three_months(volym, tmp_path):
    # H1 paid January-April, H2 March-April: 1, 1, 2, 2 households; 1 000 kr each.
    events = [household("H1", "2021-01-01"), household("H2", "2021-03-01")]
    for month in ("01", "02", "03", "04"):
        events.append(paid("H1", f"2021-{month}-10", f"a{month}", f"2021-{month}", "1000.00"))
    for month in ("03", "04"):
        events.append(paid("H2", f"2021-{month}-10", f"b{month}", f"2021-{month}", "1000.00"))
    ingest(volym, *events)
    text = (
        HEADER
        + "2021;hush;Hushåll;households;households_avg_per_month;;2\n"
        + "2021;bistand;Utbetalt;households;amount;;20000\n"
        + "2021;hushman;Hushållsmånader;households;household_months;;24\n"
    )
    budgeting.import_budget_file(volym, budget_file(tmp_path, text), "controller")
    rows = {r["row"]: r for r in budgeting.verksamhetsmatt(volym, "2021-01..2021-04")["rows"]}
    # Known: 1, 1, 2, 2 (6 household-months); eight more months at (1 + 2 + 2) / 3.
    months = 6 + 8 * 5 / 3
    assert rows["hushman"]["forecast_computed"] == pytest.approx(months, abs=0.005)
    assert rows["hushman"]["forecast_run_rate"] == 6 + 8 * 2
    assert rows["hush"]["forecast_computed"] == pytest.approx(months / 12, abs=0.005)
    assert rows["bistand"]["forecast_computed"] == pytest.approx(months * 1000, abs=0.005)
    assert rows["bistand"]["outcome"] == 6000 and rows["bistand"]["budget"] == round(20000 / 3, 2)
    # amount against household_months: volume and price add up to the deviation.
    assert rows["bistand"]["volume_part"] is not None
    assert round(rows["bistand"]["volume_part"] + rows["bistand"]["price_part"], 2) == round(
        rows["bistand"]["deviation"], 2
    )


CONTRACT = (
    HEADER + "2021;institution_barn;Institutionsvård barn och unga, årsplatser;placements;"
    "average_placements;target_group=barn_unga&form_group=institution;7,0\n"
    "2021;familjehem_barn;Familjehem/jourhem barn och unga, årsplatser;placements;"
    "average_placements;target_group=barn_unga&form_group=familjehem,jourhem;24,0\n"
)


def test_the_contracts_example_rows_are_reproduced(volym, tmp_path):
    # budget.md, per August 2021: institutional care 6,5 | 9,4 | 7,0 | 2,4 and family
    # care 27,0 | 33,0 | 24,0 | 9,0. In 2020 (244 days to August): six children all the
    # period and one for 122 days: 1 586 / 244 = 6,5. In 2021 (243 days): nine all the
    # period and one for 97 days: 2 284 / 243 = 9,4. Family homes: 27 and 33 all along.
    events = []
    for n in range(6):
        events.append(started(f"I20-{n}", "2020-01-01", form="hvb"))
        events.append(ended(f"I20-{n}", "2020-12-31"))
    events += [started("I20-x", "2020-01-01", form="hvb"), ended("I20-x", "2020-05-01")]
    for n in range(9):
        events.append(started(f"I21-{n}", "2021-01-01", form="hvb"))
    events.append(started("I21-x", "2021-05-27", form="hvb"))
    for n in range(27):
        events.append(started(f"F20-{n}", "2020-01-01", form="familjehem"))
        events.append(ended(f"F20-{n}", "2020-12-31"))
    for n in range(33):
        events.append(started(f"F21-{n}", "2021-01-01", form="familjehem"))
    ingest(volym, *events)
    budgeting.import_budget_file(volym, budget_file(tmp_path, CONTRACT), "controller")
    rows = budgeting.verksamhetsmatt(volym, "2021-01..2021-08")["rows"]
    shown = [
        [round(r[k], 1) for k in ("outcome_previous_year", "outcome", "budget", "deviation")]
        for r in rows
    ]
    assert shown == [[6.5, 9.4, 7.0, 2.4], [27.0, 33.0, 24.0, 9.0]]
    assert [r["budget_year"] for r in rows] == [7.0, 24.0]


def test_the_command_line_shows_the_table_in_swedish_and_the_json(
    store_url, tmp_path, monkeypatch, capsys
):
    path = budget_file(tmp_path, SMALL)
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        small_history(volym)
    code, out, err = run(monkeypatch, capsys, "budget", "import", str(path), "--db", store_url)
    assert code == 0 and "budget 2021: importerad" in out, err
    code, table, err = run(
        monkeypatch,
        capsys,
        "report",
        "verksamhetsmatt",
        "--period",
        "2021-01..2021-08",
        "--db",
        store_url,
    )
    assert code == 0, err
    for heading in ("Verksamhetsmått", "Utfall 2020-08", "Budget 2021-08", "Avvik. perioden",
                    "Prognos 2021", "Avvik. helår", "aktuellt"):  # fmt: skip
        assert heading in table
    assert "300\u00a0000" in table  # the year's budget, never broken at the thousands
    code, out, err = run(
        monkeypatch, capsys, "report", "verksamhetsmatt", "--period", "2021-01..2021-08",
        "--format", "json",
        "--db", store_url,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["rows"][2]["outcome"] == 304
    code, _, err = run(monkeypatch, capsys, "budget", "show", "--year", "2020", "--db", store_url)
    assert code == 1 and "no budget for 2020" in err and "Traceback" not in err
    code, table, err = run(
        monkeypatch, capsys, "forecast", "backtest", "--year", "2021", "--cutoff", "08-31",
        "--db", store_url,
    )  # fmt: skip
    assert code == 0 and "Prognosens träffsäkerhet 2021, gjord 2021-08-31" in table, err
    assert "Oförändrat läge" in table and "Medelabsolutfel" in table
    code, out, err = run(
        monkeypatch, capsys, "forecast", "backtest", "--year", "2021", "--format", "csv",
        "--db", store_url,
    )  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("year,cutoff,row,label") and len(lines) == 1 + 2 * 3


def test_an_xlsx_budget_file_reads_as_its_csv_twin(volym, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in SMALL.strip().splitlines():
        cells = line.split(";")
        sheet.append([float(c.replace(",", ".")) if c[:1].isdigit() and "=" not in c
                      else c for c in cells])  # fmt: skip
    path = tmp_path / "budget.xlsx"
    book.save(path)
    assert budgeting.import_budget_file(volym, path, "controller") == {2021: "imported"}
    shown = budgeting.show_budget(volym, 2021)
    assert [r["budget"] for r in shown["rows"]] == [1.0, 300_000, 365]
    assert shown["rows"][0]["where"] == {"target_group": ["barn_unga"]}


def test_backtest_forecasts_from_what_was_registered_by_the_cutoff(volym, tmp_path):
    # P2 in care 1 February - 30 September 2021 (242 days). P4 in care 20 April - 19 May
    # (30 days) but registered on 10 May: unknown on the cut-off, 30 April.
    ingest(
        volym,
        started("P2", "2021-02-01", recorded_at="2021-02-02T09:00:00+01:00"),
        ended("P2", "2021-09-30", recorded_at="2021-10-01T09:00:00+02:00"),
        started("P4", "2021-04-20", recorded_at="2021-05-10T09:00:00+02:00"),
        ended("P4", "2021-05-19", recorded_at="2021-05-20T09:00:00+02:00"),
    )
    rows = SMALL.replace("\n2021;", "\n2022;")  # a year without a budget borrows its rows
    budgeting.import_budget_file(volym, budget_file(tmp_path, rows), "controller")
    answer = budgeting.backtest(volym, 2021, ["04-30"])
    assert answer["rows_from_budget"] == 2022
    (cutoff,) = answer["cutoffs"]
    days = {r["row"]: r for r in cutoff["rows"]}["instdagar"]
    assert days["outcome"] == 242 + 30
    # Known on 30 April: P2 alone, 89 days so far. Run-rate: it stays 245 more days.
    assert days["forecast_run_rate"] == 89 + 245
    assert days["run_rate_error"] == 62 and days["run_rate_error_pct"] == round(6200 / 272, 2)
    # The method: nothing has ended, so S = 1; P2 stays, and one newcomer a year (P2 in the
    # twelve months before) starts each day after the cut-off and stays: 1 + ... + 245 days
    # at 1/365 a day.
    method = 89 + 245 + 245 * 246 / 2 / 365
    assert days["forecast"] == pytest.approx(method, abs=0.005)
    assert days["error_pct"] == pytest.approx((method - 272) / 272 * 100, abs=0.005)
    assert cutoff["mean_abs_error_pct"]["run_rate"] == pytest.approx(
        (62 / 272 + 62 / 272 + (334_000 - 272_000) / 272_000) * 100 / 3, abs=0.01
    )


def test_backtest_refuses_an_unfinished_year_and_a_bad_cutoff(volym, tmp_path):
    budgeting.import_budget_file(volym, budget_file(tmp_path, SMALL), "controller")
    this_year = datetime.now(UTC).year
    with pytest.raises(UserError, match="a backtest needs a finished year"):
        budgeting.backtest(volym, this_year, [])
    with pytest.raises(UserError, match="--cutoff 02-30: not a day MM-DD of 2021"):
        budgeting.backtest(volym, 2021, ["02-30"])
    with pytest.raises(UserError, match="no budget within 10 years of 1990"):
        budgeting.backtest(volym, 1990, [])
