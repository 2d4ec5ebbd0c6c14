"""--format xlsx read back: numbers as numbers in Swedish display formats, the data stamp
at the top, the header frozen, periods side by side by position, a chart for time."""

from openpyxl import load_workbook

from adapters.composition import open_volym
from tests.helpers import TEST_KEY, ended, ingest, started
from tests.test_budget import SMALL, budget_file, small_history
from tests.test_cli import run


def test_a_report_by_quarter_for_two_years_lines_the_quarters_up(
    store_url, tmp_path, monkeypatch, capsys
):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-01"), ended("P1", "2024-03-31"))
    path = tmp_path / "r.xlsx"
    code, _, err = run(
        monkeypatch, capsys, "report", "placements", "--period", "2023", "--period", "2024",
        "--by", "quarter", "--format", "xlsx", "--output", str(path), "--db", store_url,
    )  # fmt: skip
    assert code == 0, err
    book = load_workbook(path)
    sheet = book["Vårddygn"]
    assert sheet["A1"].value == "Placeringar i heldygnsvård: Vårddygn"
    assert sheet["A3"].value == "Data: aktuellt"
    assert sheet["A4"].value.startswith("Händelser lagrade t.o.m.: 20")
    assert sheet["A5"].value.startswith("Framtagen: ")
    assert [c.value for c in sheet[7]] == ["Kvartal", "2023", "2024"]
    assert sheet.freeze_panes == "A8"
    # Q1 beside Q1: 2023 has 90, 91, 92, 92 days; 2024 only its first quarter, 91 days.
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=8, max_row=12)]
    assert rows == [
        ["Q1", 90, 91],
        ["Q2", 91, None],
        ["Q3", 92, None],
        ["Q4", 92, None],
        ["Totalt", 365, 91],
    ]
    assert sheet["B8"].number_format == "#,##0"
    assert isinstance(sheet["B8"].value, int)
    assert book["Antal placeringar"]["B8"].number_format == "#,##0.0"  # average: one decimal
    assert len(sheet._charts) == 1


def test_the_verksamhetsmatt_and_the_budget_as_workbooks(store_url, tmp_path, monkeypatch, capsys):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        small_history(volym)
    run(monkeypatch, capsys, "budget", "import", str(budget_file(tmp_path, SMALL)),
        "--db", store_url)  # fmt: skip
    path = tmp_path / "v.xlsx"
    code, _, err = run(
        monkeypatch, capsys, "report", "verksamhetsmatt", "--period", "2021-01..2021-08",
        "--format", "xlsx", "--output", str(path), "--db", store_url,
    )  # fmt: skip
    assert code == 0, err
    sheet = load_workbook(path)["Verksamhetsmått"]
    assert [c.value for c in sheet[7]][:8] == [
        "Verksamhetsmått", "Utfall 2020-08", "Utfall 2021-08", "Budget 2021-08",
        "Avvik. perioden", "Prognos 2021", "Budget 2021", "Avvik. helår",
    ]  # fmt: skip
    days = [c.value for c in sheet[10]]
    assert days[:5] == ["Vårddygn", 122, 304, 243, 61]
    assert sheet["B8"].number_format == "#,##0.0"  # places: one decimal
    assert sheet["B10"].number_format == "#,##0"  # care days: whole
    budget = tmp_path / "b.xlsx"
    code, _, err = run(monkeypatch, capsys, "budget", "show", "--year", "2021", "--format",
                       "xlsx", "--output", str(budget), "--db", store_url)  # fmt: skip
    assert code == 0, err
    rows = list(load_workbook(budget)["Budget 2021"].iter_rows(min_row=8, values_only=True))
    assert rows[2][:4] == ("instdagar", "Vårddygn", "Vårddygn", 365)
    assert rows[2][4] == 31  # January's share of 365 care days


def test_xlsx_needs_a_file(store_url, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "report", "placements", "--period", "2023",
                       "--format", "xlsx", "--db", store_url)  # fmt: skip
    assert code == 1 and "--output FILE.xlsx" in err
