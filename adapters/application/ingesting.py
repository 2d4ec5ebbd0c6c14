"""Use case: ingest feed lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from adapters.composition import Volym
from adapters.ingest.ingestor import Ingestor, IngestSummary, Rejection
from adapters.ingest.pipeline import Closed, Congested, IngestPipeline
from adapters.streams import STREAMS

__all__ = [
    "Closed",
    "Congested",
    "IngestPipeline",
    "IngestSummary",
    "Ingestor",
    "Rejection",
    "ingest_lines",
    "ingest_pipeline",
    "ingestor",
]


def ingestor(volym: Volym) -> Ingestor:
    """For an entry point that ingests several inputs into one store in turn."""
    return Ingestor(volym, volym.needs_pseudonymizer(), STREAMS)


def ingest_pipeline(volym: Volym) -> IngestPipeline:
    """For a server: requests' lines through one helper process and one committer, each
    request in its own transaction (adapters.ingest.pipeline); start() before, stop()
    after the requests."""
    return IngestPipeline(volym, volym.needs_pseudonymizer(), STREAMS)


def ingest_lines(
    volym: Volym,
    lines: Iterable[str | bytes],
    on_reject: Callable[[Rejection], None] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    one_transaction: bool = False,
) -> IngestSummary:
    """Validate, pseudonymize, deduplicate and store the lines, and project what they
    changed; each line accepted, skipped as a duplicate or rejected with its reasons (the
    receipt). `progress(n)` after each batch of n lines read. `one_transaction` for a
    request: all of it stored or none (adapters.ingest.ingestor)."""
    return ingestor(volym).ingest(
        lines, on_reject=on_reject, progress=progress, one_transaction=one_transaction
    )
