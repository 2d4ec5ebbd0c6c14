"""`volym chart`: one measure over time, one line per period (2024 beside 2025 by month or
quarter), in Swedish, with the data stamp; PNG or SVG, drawn headless (matplotlib Agg)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from adapters.presentation.labels import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    PERCENT,
    REPORT_TITLES,
    format_measure,
)
from adapters.presentation.layout import side_by_side
from adapters.presentation.stamp import stamp_lines
from adapters.reports.request import Report

WIDTH, HEIGHT, DPI = 10.0, 5.6, 100  # 1 000 x 560 pixels


def draw_chart(
    report: Report, measure: str, data_through: str | None, made_at: datetime, fmt: str
) -> bytes:
    """The figure as PNG or SVG bytes. `report` is split by exactly one time dimension."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    dims, lines = side_by_side(report, measure)
    periods = [p["label"] for p in report["periods"]]
    positions = [str(line.labels[0]) for line in lines]
    if dims[0] == "month":
        positions = [name[:3] for name in positions]  # jan, feb, mar, ..., dec: they fit
    figure, axes = pyplot.subplots(figsize=(WIDTH, HEIGHT), dpi=DPI)
    try:
        for period in periods:
            values: list[Any] = [line.values.get(period) for line in lines]
            shown = [(x, v) for x, v in enumerate(values) if v is not None]
            if shown:
                axes.plot([x for x, _ in shown], [v for _, v in shown], marker="o", label=period)
        axes.set_xticks(range(len(positions)), positions)
        axes.set_xlabel(DIMENSION_LABELS.get(dims[0], dims[0]))
        axes.set_ylabel(MEASURE_LABELS[measure])
        axes.yaxis.set_major_formatter(
            FuncFormatter(
                lambda value, _: format_measure(measure, value)
                if measure not in PERCENT
                else format_measure(measure, value) + " %"
            )
        )
        axes.grid(True, alpha=0.3)
        axes.legend(title="Period")
        title = REPORT_TITLES.get(str(report["report"]), str(report["report"]))
        axes.set_title(f"{title}: {MEASURE_LABELS[measure]}")
        stamp = "; ".join(stamp_lines(report["as_of"], data_through, made_at))
        figure.text(0.01, 0.01, stamp, fontsize=8, color="#555555")
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI)
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
