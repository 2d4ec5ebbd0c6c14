"""A period's totals and groups counted in one pass, when the stream can: the groups of
that answer are the ones build_report shows, and nothing is counted twice."""

from __future__ import annotations

from dataclasses import replace

from adapters.reports.investigations import INVESTIGATIONS
from adapters.reports.request import Group, build_report, parse_request, sharing_totals
from domain.periods import Period


def _measures(reported: int) -> dict[str, object]:
    return {**{m: None for m in INVESTIGATIONS.measures}, "reported": reported}


def _counting(calls: list[tuple[str, tuple[str, ...], bool]]):
    def count(period: Period, dims: list[str], with_totals: bool) -> list[Group]:
        calls.append((period.label, tuple(dims), with_totals))
        totals: Group = ({}, _measures(3))
        groups: list[Group] = [({"route": "anmalan"}, _measures(2))]
        groups.append(({"route": "ansokan"}, _measures(1)))
        if not dims:
            return [totals]
        return [*groups, totals] if with_totals else groups

    return count


def test_totals_and_groups_come_from_one_count_per_period():
    calls: list[tuple[str, tuple[str, ...], bool]] = []
    request = parse_request(INVESTIGATIONS, ["2023-Q1", "2023-Q2"], ["route"])
    report = build_report(request, sharing_totals(request, _counting(calls), shared=True))
    assert calls == [("2023-Q1", ("route",), True), ("2023-Q2", ("route",), True)]
    assert [row["reported"] for row in report["rows"]] == [2, 1, 2, 1]
    assert [row["reported"] for row in report["totals"]] == [3, 3]


def test_without_sharing_or_with_a_time_dimension_each_is_counted_apart():
    for shared, by in [(False, ["route"]), (True, ["route", "month"])]:
        calls: list[tuple[str, tuple[str, ...], bool]] = []
        request = parse_request(INVESTIGATIONS, ["2023-Q1"], by)
        build_report(request, sharing_totals(request, _counting(calls), shared=shared))
        assert all(not with_totals for _, _, with_totals in calls), (shared, by)
        assert calls[0] == ("2023-Q1", (), False)


def test_rows_only_counts_no_totals_and_keeps_the_answers_order():
    """Explain's figures per aggregate: the groups as counted, nothing else."""
    calls: list[tuple[str, tuple[str, ...], bool]] = []
    request = replace(parse_request(INVESTIGATIONS, ["2023-Q1"], ["route"]), rows_only=True)

    def count(period: Period, dims: list[str], with_totals: bool) -> list[Group]:
        calls.append((period.label, tuple(dims), with_totals))
        # In the reverse of the report's order (anmalan before ansokan).
        return [({"route": "ansokan"}, _measures(1)), ({"route": "anmalan"}, _measures(2))]

    report = build_report(request, sharing_totals(request, count, shared=True))
    assert calls == [("2023-Q1", ("route",), False)]
    assert [row["route"] for row in report["rows"]] == ["ansokan", "anmalan"]
    assert report["totals"] == []
