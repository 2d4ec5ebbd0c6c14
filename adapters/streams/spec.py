"""One stream of the feed, as one typed object: its aggregate and commands (ingest), its
projection and read model, its report, its labels, its synthetic data and what the demo
shows of it. Each room sees a spec through its own Protocol (IngestStream, Projection,
ReportedStream); StreamSpec is all of them, and what only the entry points need."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.ingest.stream import A, IngestStream
from adapters.projection.kind import R, V
from adapters.reports.stream import ReportedStream


@dataclass(frozen=True)
class StreamLabels:
    """What a person reads (Swedish): the report's title, an aggregate's title in
    `volym history`, and each measure's column heading."""

    title: str
    history_title: str
    measures: Mapping[str, str]


@dataclass(frozen=True)
class DemoTable:
    """One table of `volym demo`: a report request and the measures it shows."""

    periods: tuple[str, ...]
    measures: tuple[str, ...]
    by: tuple[str, ...] = ()
    where: tuple[str, ...] = field(default=())


class StreamSpec(IngestStream[A, V, R], ReportedStream[V, R], Protocol[A, V, R]):
    @property
    def labels(self) -> StreamLabels: ...

    @property
    def demo_file(self) -> str:
        """The file `volym demo` writes the stream's example feed to."""

    def synthetic_feed(self, seed: int, scale: float = 1.0) -> Iterator[str]:
        """The example municipality's feed lines of this stream."""

    def demo_tables(self, years: tuple[int, ...]) -> list[DemoTable]:
        """What `volym demo` shows of this stream for these years."""


AnyStream = StreamSpec[Any, Any, Any]
