"""What the reports need to know of a stream: its report contract (measures, dimensions)
and the query over its read model. Each stream's spec (adapters.streams) is one."""

from __future__ import annotations

from typing import Any, Protocol

from adapters.projection.kind import Projection, R, V
from adapters.reports.request import Report, ReportKind, ReportRequest


class ReportedStream(Projection[V, R], Protocol[V, R]):
    @property
    def report_kind(self) -> ReportKind:
        """Its measures and dimensions (reports.md)."""

    @property
    def id_field(self) -> str:
        """The feed field naming an aggregate within its source, e.g. "placement_id"."""

    def report(self, view: V, request: ReportRequest) -> Report:
        """The report of reports.md from one generation of its tables."""


AnyReportedStream = ReportedStream[Any, Any]
