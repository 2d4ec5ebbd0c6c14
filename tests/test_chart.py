"""`volym chart` writes a valid PNG of the stated size, or an SVG, in Swedish."""

import struct

from adapters.composition import open_volym
from tests.helpers import TEST_KEY, ended, ingest, started
from tests.test_cli import run


def test_a_chart_is_a_png_of_the_right_size_and_an_svg_in_swedish(
    store_url, tmp_path, monkeypatch, capsys
):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-01"), ended("P1", "2024-06-30"))
    png = tmp_path / "c.png"
    code, _, err = run(
        monkeypatch, capsys, "chart", "placements", "--period", "2023", "--period", "2024",
        "--by", "month", "--measure", "care_days", "--output", str(png), "--db", store_url,
    )  # fmt: skip
    assert code in (0, None), err
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 560)
    svg = tmp_path / "c.svg"
    code, _, err = run(
        monkeypatch, capsys, "chart", "placements", "--period", "2023", "--period", "2024",
        "--by", "quarter", "--measure", "average_placements", "--output", str(svg),
        "--db", store_url,
    )  # fmt: skip
    assert code in (0, None), err
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    # matplotlib writes text as paths by default; the title is kept as a comment.
    assert "Placeringar i heldygnsvård: Antal placeringar" in text


def test_a_chart_refuses_a_file_type_it_cannot_draw(store_url, tmp_path, monkeypatch, capsys):
    code, _, err = run(
        monkeypatch, capsys, "chart", "placements", "--period", "2023", "--by", "month",
        "--measure", "care_days", "--output", str(tmp_path / "c.gif"), "--db", store_url,
    )  # fmt: skip
    assert code == 1 and ".png or .svg" in err
