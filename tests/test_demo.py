"""`volym demo` runs end to end on the embedded default; here on a small municipality
(the full one's volumes are tested in tests/unit/test_synthetic.py)."""

from tests.test_cli import run


def test_demo_ingests_every_line_and_shows_the_namnds_tables(tmp_path, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "demo", "--dir", str(tmp_path), "--scale", "0.1")
    assert code in (0, None)
    assert " 0 avvisade" in out
    for title in (
        "Antal placeringar",
        "Inledda aktualiseringar",
        "Andel över 4 månader, %",
        "Hushåll per månad",
        "Andel långvarigt, %",
    ):
        assert title in out
    assert "2021-Q1" in out and "2025-Q1" in out
    # Each stream's tables end with their data stamp, and so does the verksamhetsmått.
    assert out.count("Data: aktuellt; Händelser lagrade t.o.m.: ") == 4
    # The verksamhetsmått per August of the last full year, against the shipped budget.
    for text in ("Verksamhetsmått 2025-01..2025-08", "Utfall 2024-08", "Prognos 2025",
                 "Institutionsvård barn och unga, årsplatser", "Skyddat boende, årsplatser",
                 "Ekonomiskt bistånd, utbetalt (kr)"):  # fmt: skip
        assert text in out
